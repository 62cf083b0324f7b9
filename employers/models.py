"""The employer (用人单位), its related units, who may act for it or review it, and the state of its annual
declaration of each year as the apps below declarations read it."""

from django.conf import settings
from django.db import models

from employers.constants import EconomicKind, Industry, LegalRepIdType, Relation, UnitKind
from employers.declaration_states import FILLING, STATUS_LABELS, State


class Employer(models.Model):
    """A unit (用人单位). The USCC is its identity (domain.md §3)."""

    name = models.CharField("单位名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    tax_registration_no = models.CharField("税务登记证号", max_length=20, blank=True)
    organization_code = models.CharField("组织机构代码", max_length=10, blank=True)
    unit_kind = models.CharField("单位性质", max_length=16, choices=UnitKind.choices)
    economic_kind = models.CharField("经济性质", max_length=16, choices=EconomicKind.choices)
    industry = models.CharField("行业类别", max_length=1, choices=Industry.choices)
    federation_region = models.ForeignKey(
        "core.Region", verbose_name="残联主管部门", on_delete=models.PROTECT, related_name="+"
    )
    tax_region = models.ForeignKey(
        "core.Region", verbose_name="税务主管部门", on_delete=models.PROTECT, related_name="+"
    )
    registration_region = models.ForeignKey(
        "core.Region", verbose_name="单位所属行政区", on_delete=models.PROTECT, related_name="+"
    )
    legal_rep_name = models.CharField("法人姓名", max_length=50)
    legal_rep_id_type = models.CharField(
        "法人证件类型", max_length=16, choices=LegalRepIdType.choices, default=LegalRepIdType.RESIDENT_ID
    )
    legal_rep_id_number = models.CharField("法人身份证号", max_length=32)
    legal_rep_phone = models.CharField("法人电话", max_length=20)
    phone = models.CharField("单位电话", max_length=20, blank=True)
    contact_name = models.CharField("经办人姓名", max_length=50)
    contact_phone = models.CharField("经办人电话", max_length=20)
    business_address = models.CharField("单位经营地址", max_length=200)
    registered_address = models.CharField("单位注册地址", max_length=200)
    # False for a unit opened by its first 法人 single sign-on (name + USCC only): 资料待完善 until the unit's
    # basic information is saved complete on 单位信息维护 (employers.services.employer_update).
    profile_complete = models.BooleanField("单位资料已完善", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本号", default=0, editable=False)

    class Meta:
        verbose_name = "用人单位"
        verbose_name_plural = "用人单位"
        indexes = [models.Index(fields=["federation_region"]), models.Index(fields=["tax_region"])]

    def __str__(self) -> str:
        return self.name

    def uscc_locked(self) -> bool:
        """True once a declaration was sent to tax (``employers.services.uscc_is_locked``)."""
        from employers.services import uscc_is_locked

        return uscc_is_locked(self)


class RelatedUnit(models.Model):
    """关联单位: a parent/subsidiary, a labour-dispatch firm or another related unit of an employer."""

    employer = models.ForeignKey(
        Employer, verbose_name="所属单位", on_delete=models.CASCADE, related_name="related_units"
    )
    region = models.ForeignKey("core.Region", verbose_name="行政划分区域", on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    tax_registration_no = models.CharField("税务登记证号码", max_length=20, blank=True)
    organization_code = models.CharField("组织机构代码", max_length=10, blank=True)
    name = models.CharField("单位名称", max_length=200)
    phone = models.CharField("单位电话", max_length=20, blank=True)
    address = models.CharField("单位地址", max_length=200, blank=True)
    relation = models.CharField("关联关系", max_length=20, choices=Relation.choices)
    is_active = models.BooleanField("有效", default=True)
    # Set (once) by the placements app when a finished registration's contract names this unit as dispatch firm or
    # paying unit: from then on its identifiers stay as they were checked (an edit makes a new unit).
    referenced_at = models.DateTimeField("首次被安置登记引用", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "关联单位"
        verbose_name_plural = "关联单位"
        ordering = ["employer", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        """The identifier the feeds use for this unit (USCC first)."""
        return self.uscc or self.tax_registration_no or self.organization_code


class RelatedUnitProof(models.Model):
    """An uploaded proof (劳务派遣协议 or relationship proof) of a related unit. Kept when replaced."""

    class Kind(models.TextChoices):
        DISPATCH_AGREEMENT = "dispatch_agreement", "劳务派遣协议"
        RELATION_PROOF = "relation_proof", "关联关系证明"

    class ReviewState(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "审核通过"
        REJECTED = "rejected", "审核不通过"

    related_unit = models.ForeignKey(
        RelatedUnit, verbose_name="关联单位", on_delete=models.CASCADE, related_name="proofs"
    )
    kind = models.CharField("材料类型", max_length=20, choices=Kind.choices)
    file = models.ForeignKey("core.StoredFile", verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    review_state = models.CharField("审核状态", max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    review_reason = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    withdrawn = models.BooleanField("已撤回", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "关联单位证明材料"
        verbose_name_plural = "关联单位证明材料"

    def __str__(self) -> str:
        return f"{self.related_unit} · {self.get_kind_display()}"


class EmployerAccount(models.Model):
    """Links a login to the unit it files for (the unit's 经办人 account).

    A unit has several clerks; its administrator (the first account, or whom the 残联 sets) adds, disables and
    re-enables the others (``employers.accounts``). Disabled = the login's ``is_active`` is off.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", on_delete=models.CASCADE, related_name="employer_account"
    )
    employer = models.ForeignKey(Employer, verbose_name="用人单位", on_delete=models.CASCADE, related_name="accounts")
    is_admin = models.BooleanField("单位管理员", default=False)
    contact_name = models.CharField("经办人姓名", max_length=50, blank=True)
    contact_phone = models.CharField("经办人电话", max_length=20, blank=True)
    # Password reset by e-mail goes only to a verified address (from the 法人 sign-on's email_verified claim or
    # confirmed by the 残联 when opening the account).
    email_verified = models.BooleanField("邮箱已验证", default=False)
    created_at = models.DateTimeField("开通时间", null=True, blank=True, auto_now_add=True)

    class Meta:
        verbose_name = "单位账号"
        verbose_name_plural = "单位账号"

    def __str__(self) -> str:
        return f"{self.user} → {self.employer}"


class SSOIdentity(models.Model):
    """A 法人 account of a single sign-on provider (issuer + subject), bound to the unit it signed in for and the
    clerk login it signs in as (the unit's administrator). One provider account per unit and provider."""

    issuer = models.CharField("认证平台", max_length=200)
    subject = models.CharField("平台账号标识", max_length=255)
    employer = models.ForeignKey(
        Employer, verbose_name="用人单位", on_delete=models.CASCADE, related_name="sso_identities"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", on_delete=models.CASCADE, related_name="sso_identities"
    )
    created_at = models.DateTimeField("绑定时间", auto_now_add=True)
    last_login_at = models.DateTimeField("最近登录", null=True, blank=True)

    class Meta:
        verbose_name = "法人统一身份认证账号"
        verbose_name_plural = "法人统一身份认证账号"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="uniq_sso_identity_subject"),
            models.UniqueConstraint(fields=["issuer", "employer"], name="uniq_sso_identity_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} · {self.subject}"


class ProxySession(models.Model):
    """窗口代办: a 残联 staff member acting for a unit of their region, with a reason, from start to end. While it
    lasts the staff member's pages are the unit's (``employers.proxy``), with a banner, and every audited write says
    "staff X for unit Y"; the unit is told afterwards."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代办人员", on_delete=models.PROTECT, related_name="proxy_sessions"
    )
    employer = models.ForeignKey(Employer, verbose_name="代办单位", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("代办事由", max_length=200)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "窗口代办记录"
        verbose_name_plural = "窗口代办记录"

    def __str__(self) -> str:
        return f"{self.staff} 代办 {self.employer}"


class ProxyCommitment(models.Model):
    """The unit's signed 申报资料真实性承诺书 of one business year, uploaded by the staff member during 窗口代办
    (a scan or photo, checked by the upload pipeline). 完成申报 in 代办 needs one uploaded in the running 代办
    (``employers.proxy.proxy_commitment_check``)."""

    proxy = models.ForeignKey(
        ProxySession, verbose_name="窗口代办", on_delete=models.PROTECT, related_name="commitments"
    )
    employer = models.ForeignKey(Employer, verbose_name="用人单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("业务年度")
    file = models.ForeignKey("core.StoredFile", verbose_name="签章承诺书", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "代办签章承诺书"
        verbose_name_plural = "代办签章承诺书"
        indexes = [models.Index(fields=["employer", "year"])]

    def __str__(self) -> str:
        return f"{self.employer} · {self.year}年度签章承诺书"


class ReviewerProfile(models.Model):
    """A 残联 reviewer and the region they review (a province, a city or a county)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    region = models.ForeignKey("core.Region", verbose_name="管辖区域", on_delete=models.PROTECT, related_name="+")
    organisation = models.CharField("所属残联", max_length=100, blank=True)

    class Meta:
        verbose_name = "审核人员"
        verbose_name_plural = "审核人员"

    def __str__(self) -> str:
        return f"{self.user} ({self.region})"


class DeclarationState(models.Model):
    """The state of a unit's 年审申报 of one business year, for the apps below declarations: whether the year's
    placements are locked (``employers.selectors.year_locked``), what the declaration panel of the placements list
    shows (``year_actions``) and whether the USCC is fixed (sent to tax once).

    ``declarations.Declaration`` stays the record; its services and the tax export write this row in the same
    transaction as each transition (``employers.services.declaration_state_record``), and nothing else writes it
    (ADR 0010). No row: 填报中.
    """

    STATUS_CHOICES = list(STATUS_LABELS.items())

    employer = models.ForeignKey(
        Employer, verbose_name="用人单位", on_delete=models.CASCADE, related_name="declaration_states", db_index=False
    )
    year = models.PositiveSmallIntegerField("业务年度")
    status = models.CharField("申报状态", max_length=12, choices=STATUS_CHOICES, default=FILLING)
    previous_status = models.CharField("撤回前状态", max_length=12, choices=STATUS_CHOICES, blank=True)
    declared_at = models.DateTimeField("完成申报时间", null=True, blank=True)  # of the submission in force
    sent_to_tax_at = models.DateTimeField("发送税务时间", null=True, blank=True)

    class Meta:
        verbose_name = "年审申报状态"
        verbose_name_plural = "年审申报状态"
        constraints = [models.UniqueConstraint(fields=["employer", "year"], name="uniq_declaration_state_unit_year")]

    def __str__(self) -> str:
        return f"{self.year}年度：{self.get_status_display()}"

    @property
    def state(self) -> State:
        return State(self.status, self.previous_status)
