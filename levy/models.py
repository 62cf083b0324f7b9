"""The figures a unit states for the levy estimate (domain.md §8: 单位员工人数, 单位月平均工资)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class StaffFigures(models.Model):
    """在职职工人数 and 月平均工资 of one unit for one business year, as the unit states them on the home page, for
    the estimate on the home page and the calculator's defaults. Not a declaration: the tax office's figures rule."""

    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField("业务年度")
    staff_count = models.DecimalField(
        "在职职工年平均人数",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000000"))],
    )
    avg_monthly_wage = models.DecimalField(
        "职工月平均工资（元）",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000000"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "单位职工情况"
        verbose_name_plural = "单位职工情况"
        constraints = [models.UniqueConstraint(fields=["employer", "year"], name="uniq_staff_figures_unit_year")]

    def __str__(self) -> str:
        return f"{self.year}年度 职工 {self.staff_count} 人，月平均工资 {self.avg_monthly_wage} 元"
