"""Platform models: companies (tenants), users, roles and screen permissions, logs, notices,
common codes, background job runs and worker heartbeats.

Every domain row elsewhere subclasses `CompanyOwned`: it belongs to exactly one company and is
read through company-scoped selectors.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .validators import validate_business_no, validate_phone


class Plan(models.TextChoices):
    BASE = "base", _("베이직")
    PRO = "pro", _("프로")
    ENTERPRISE = "enterprise", _("엔터프라이즈")


# Limits per plan; None = unlimited. Usage metering (SYS-8) reads these too.
PLAN_LIMITS: dict[str, dict[str, int | None]] = {
    Plan.BASE: {"users": 5},
    Plan.PRO: {"users": 20},
    Plan.ENTERPRISE: {"users": None},
}

TRIAL_DAYS = 15


class CompanyStatus(models.TextChoices):
    TRIAL = "trial", _("체험")
    ACTIVE = "active", _("사용중")
    SUSPENDED = "suspended", _("정지")
    TERMINATED = "terminated", _("해지")


class Company(models.Model):
    code = models.CharField(
        _("회사코드"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", _("회사코드는 영문 소문자, 숫자, -, _ 만 쓸 수 있습니다."))],
    )
    name = models.CharField(_("회사명"), max_length=100)
    business_no = models.CharField(_("사업자등록번호"), max_length=12, validators=[validate_business_no])
    representative = models.CharField(_("대표자"), max_length=50, blank=True)
    phone = models.CharField(_("대표전화"), max_length=20, blank=True, validators=[validate_phone])
    plan = models.CharField(_("요금제"), max_length=20, choices=Plan.choices, default=Plan.BASE)
    status = models.CharField(_("상태"), max_length=20, choices=CompanyStatus.choices, default=CompanyStatus.TRIAL)
    trial_ends_at = models.DateTimeField(_("체험 종료일"), null=True, blank=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("회사")
        verbose_name_plural = _("회사")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        if self.trial_ends_at is None and self.status == CompanyStatus.TRIAL:
            self.trial_ends_at = timezone.now() + timedelta(days=TRIAL_DAYS)
        super().save(*args, **kwargs)

    @property
    def user_limit(self) -> int | None:
        return PLAN_LIMITS.get(self.plan, PLAN_LIMITS[Plan.BASE])["users"]


class CompanyOwned(models.Model):
    """Base for every domain row: it belongs to one company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("회사"))

    class Meta:
        abstract = True


class Role(CompanyOwned):
    """A named set of screen permissions. Built-in roles carry a `builtin` key and cannot be deleted."""

    BUILTIN_ADMIN = "admin"
    BUILTIN_OPERATOR = "operator"
    BUILTIN_VIEWER = "viewer"

    name = models.CharField(_("권한명"), max_length=50)
    builtin = models.CharField(_("기본 권한"), max_length=20, blank=True, default="")
    description = models.CharField(_("설명"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("권한")
        verbose_name_plural = _("권한")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="role_unique_name_per_company"),
        ]

    def __str__(self) -> str:
        return self.name


class ScreenPermission(models.Model):
    """One menu screen granted to a role, for reading or for reading and writing."""

    class Level(models.TextChoices):
        READ = "read", pgettext_lazy("permission level", "조회")
        WRITE = "write", _("조회+수정")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    screen = models.CharField(_("화면"), max_length=60)
    level = models.CharField(_("권한"), max_length=10, choices=Level.choices, default=Level.READ)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "screen"], name="screenperm_unique")]


class MarketdockUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person working for one company. The company's main admin (`is_company_admin`) manages users and roles."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="users", null=True, blank=True, verbose_name=_("회사")
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("권한"))
    name = models.CharField(_("이름"), max_length=50, blank=True)
    phone = models.CharField(_("휴대폰"), max_length=20, blank=True, validators=[validate_phone])
    is_company_admin = models.BooleanField(_("주관리자"), default=False)
    must_change_password = models.BooleanField(_("비밀번호 변경 필요"), default=False)
    password_changed_at = models.DateTimeField(_("비밀번호 변경일"), null=True, blank=True)
    language = models.CharField(_("언어"), max_length=5, choices=settings.LANGUAGES, default="ko")

    objects = MarketdockUserManager()

    class Meta:
        verbose_name = _("사용자")
        verbose_name_plural = _("사용자")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class AccessLog(models.Model):
    """Logins, failures, lockouts, logouts, unlocks (SYS-4)."""

    class Event(models.TextChoices):
        LOGIN = "login", _("로그인")
        LOGIN_FAILED = "login_failed", _("로그인 실패")
        LOCKED = "locked", _("계정 잠김")
        LOGOUT = "logout", _("로그아웃")
        UNLOCKED = "unlocked", _("잠금 해제")
        PASSWORD_RESET = "password_reset", _("임시 비밀번호 발급")
        PASSWORD_CHANGED = "password_changed", _("비밀번호 변경")
        THROTTLED = "throttled", _("로그인 시도 제한")
        RESET_REQUESTED = "reset_requested", _("비밀번호 찾기 요청")
        RESET_CODE_FAILED = "reset_code_failed", _("인증번호 오류")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    username = models.CharField(_("아이디"), max_length=150)
    event = models.CharField(_("구분"), max_length=20, choices=Event.choices)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("브라우저"), max_length=300, blank=True)
    detail = models.CharField(_("내용"), max_length=300, blank=True)
    at = models.DateTimeField(_("일시"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"]), models.Index(fields=["ip", "event", "at"])]


class PasswordResetCode(models.Model):
    """A one-time code sent to a user's registered e-mail or phone by "비밀번호 찾기". Nothing about
    the account changes until the code is entered (with a new password) before `expires_at`; a code
    works once and dies after `MAX_ATTEMPTS` wrong entries. Only a hash of the code is stored."""

    MAX_ATTEMPTS = 5

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=10)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class MenuAccessLog(CompanyOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    screen = models.CharField(_("화면"), max_length=60)
    path = models.CharField(_("경로"), max_length=300)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"])]


class AccountChangeLog(CompanyOwned):
    """Who changed which user or role field, old → new (SYS-4)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    target_label = models.CharField(_("대상"), max_length=150)
    action = models.CharField(_("작업"), max_length=30)
    field = models.CharField(_("항목"), max_length=60, blank=True)
    old_value = models.CharField(_("변경 전"), max_length=500, blank=True)
    new_value = models.CharField(_("변경 후"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"])]


class PersonalDataDownloadLog(CompanyOwned):
    """Every export containing buyers' (or users') personal data writes one row (SYS-4, ORD-8)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    screen = models.CharField(_("화면"), max_length=60)
    description = models.CharField(_("내용"), max_length=300)
    record_count = models.PositiveIntegerField(_("건수"), default=0)
    filters = models.JSONField(_("조건"), default=dict, blank=True)
    file_name = models.CharField(_("파일명"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"])]


class Notice(models.Model):
    """Operator notices (SYS-5). `company` empty = shown to every company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    title = models.CharField(_("제목"), max_length=200)
    body = models.TextField(_("내용"))
    starts_at = models.DateTimeField(_("게시 시작"))
    ends_at = models.DateTimeField(_("게시 종료"))
    is_popup = models.BooleanField(_("팝업 표시"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("게시 종료는 게시 시작보다 뒤여야 합니다.")})


class NoticeDismissal(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_dismissal_unique")]


class CommonCodeGroup(CompanyOwned):
    """공통코드 그룹 (e.g. BRAND 브랜드, SEASON 시즌) used as choices by later screens (SYS-10)."""

    code = models.CharField(
        _("그룹코드"), max_length=30, validators=[RegexValidator(r"^[A-Z0-9_]+$", _("그룹코드는 영문 대문자, 숫자, _ 만 쓸 수 있습니다."))]
    )
    name = models.CharField(_("그룹명"), max_length=50)
    description = models.CharField(_("설명"), max_length=200, blank=True)
    is_system = models.BooleanField(_("시스템 그룹"), default=False)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="codegroup_unique_per_company")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommonCode(CompanyOwned):
    group = models.ForeignKey(CommonCodeGroup, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("코드"), max_length=30)
    name = models.CharField(_("코드명"), max_length=100)
    sort_order = models.PositiveIntegerField(_("정렬순서"), default=0)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["group_id", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="code_unique_per_group")]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One background job's run (SYS-6): what the 작업 현황 screen lists. Company-less runs are system jobs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("대기")
        RUNNING = "running", _("진행중")
        SUCCEEDED = "succeeded", _("완료")
        FAILED = "failed", _("실패")
        CANCELLED = "cancelled", _("취소")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("작업 종류"), max_length=60, db_index=True)
    title = models.CharField(_("작업명"), max_length=200)
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("진행률"), default=0)
    counts = models.JSONField(_("건수"), default=dict, blank=True)
    log = models.JSONField(_("기록"), default=list, blank=True)
    error = models.TextField(_("오류"), blank=True)
    params = models.JSONField(_("조건"), default=dict, blank=True)
    result = models.JSONField(_("결과"), default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("요청일시"), default=timezone.now)
    started_at = models.DateTimeField(_("시작"), null=True, blank=True)
    finished_at = models.DateTimeField(_("종료"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["company", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.get_status_display()}]"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED}

    @property
    def kind_label(self):
        from .jobs import job_label

        return job_label(self.kind)

    @property
    def count_items(self) -> list:
        from .jobs import count_items

        return count_items(self.counts)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class WorkerHeartbeat(models.Model):
    """Written by each running job consumer; /healthz calls the worker stale after 2 minutes of silence."""

    worker = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)


class ExchangeRate(CompanyOwned):
    """A rate the company enters: from `valid_from` (KST date) on, 1 unit of `currency` is
    `krw_per_unit` won, until a later rate of the same currency. Totals in won convert foreign
    amounts with the rate of the order's date (core.services_rates)."""

    currency = models.CharField(_("통화"), max_length=3)
    valid_from = models.DateField(_("적용일"))
    krw_per_unit = models.DecimalField(_("환율(원)"), max_digits=14, decimal_places=4)
    memo = models.CharField(_("메모"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("환율")
        verbose_name_plural = _("환율")
        ordering = ["currency", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["company", "currency", "valid_from"],
                                               name="exchangerate_unique_day")]

    def __str__(self) -> str:
        return f"{self.currency} {self.valid_from} {self.krw_per_unit}"


class UsageCounter(CompanyOwned):
    """Service usage of one company in one calendar month (KST) (SYS-8): the monthly metrics counted as
    they happen (orders collected, products registered to channels), the cumulative ones (SKUs, users,
    stores) as the month's highest count seen. Written only through `core.usage`."""

    month = models.DateField(_("월"))  # the first day of the KST month
    metric = models.CharField(_("항목"), max_length=20)
    value = models.PositiveIntegerField(_("사용량"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("서비스 사용량")
        verbose_name_plural = _("서비스 사용량")
        ordering = ["-month", "metric"]
        constraints = [models.UniqueConstraint(fields=["company", "month", "metric"], name="usagecounter_unique")]
