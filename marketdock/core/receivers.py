"""Signal receivers that only *record* (access log); no business rules live here."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AccessLog
from .services import access_log_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    access_log_record(event=AccessLog.Event.LOGIN, username=user.username, user=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    access_log_record(event=AccessLog.Event.LOGIN_FAILED, username=username, request=request)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    access_log_record(event=AccessLog.Event.LOCKED, username=username or "", request=request,
                      detail="5회 연속 비밀번호 오류")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        access_log_record(event=AccessLog.Event.LOGOUT, username=user.username, user=user, request=request)
