"""System checks for the PDF documents: warn when the CJK fonts or fast font subsetting are missing (ADR 0005)."""

from django.core.checks import CheckMessage, Warning

from core.pdf import FONT_PACKAGES, check_fonts, fast_subsetting_available


def pdf_fonts_check(app_configs=None, **kwargs) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for font in check_fonts():
        if not font.present:
            messages.append(
                Warning(
                    f"PDF 中文字体缺失：{font.family}（{font.detail}）。"
                    "审核认定书、承诺书和操作手册中的中文将显示为方框。",
                    hint=f"安装字体：apt-get install {FONT_PACKAGES}（scripts/setup.sh 会自动安装）。",
                    id="manual.W001",
                )
            )
    if not fast_subsetting_available():
        messages.append(
            Warning(
                "未找到 libharfbuzz-subset（≥ 4.1）：WeasyPrint 将改用 fontTools 裁剪字体，每页 PDF 约慢 20 倍。",
                hint="安装：apt-get install libharfbuzz-subset0",
                id="manual.W002",
            )
        )
    return messages
