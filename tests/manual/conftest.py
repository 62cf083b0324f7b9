"""The manual PDF takes seconds to lay out: render it once per test session and share it."""

import subprocess
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def run(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture(scope="session")
def manual_pdf() -> bytes:
    from manual.build import render_manual_pdf

    return render_manual_pdf()


@pytest.fixture(scope="session")
def manual_pdf_path(manual_pdf, tmp_path_factory) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "manual.pdf"
    path.write_bytes(manual_pdf)
    return path


@pytest.fixture(scope="session")
def manual_pages_text(manual_pdf_path) -> list[str]:
    """pdftotext of every page (form feeds split the pages)."""
    return run("pdftotext", "-enc", "UTF-8", str(manual_pdf_path), "-").split("\f")[:-1]


@pytest.fixture
def manual_cache(settings, tmp_path) -> Path:
    settings.MANUAL_CACHE_DIR = tmp_path / "manual-cache"
    return settings.MANUAL_CACHE_DIR


@pytest.fixture(scope="session")
def manual_pages_layout(manual_pdf_path) -> list[str]:
    """pdftotext -layout: keeps each printed line together (headings, contents lines)."""
    return run("pdftotext", "-layout", "-enc", "UTF-8", str(manual_pdf_path), "-").split("\f")[:-1]
