"""Error pages in the product's own style (404/403/500/400)."""

from django.shortcuts import render


def _render(request, status, title, message):
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


def permission_denied(request, exception=None):
    from django.utils.translation import gettext as _

    msg = str(exception) if exception and str(exception) else _("이 화면을 사용할 권한이 없습니다.")
    return _render(request, 403, _("권한이 없습니다"), msg)


def page_not_found(request, exception=None):
    from django.http import Http404
    from django.urls import Resolver404
    from django.utils.translation import gettext as _

    message = _("주소가 바뀌었거나 삭제된 자료입니다.")
    # our views raise Http404 with a plain sentence ("공지사항을 찾을 수 없습니다."); the URL resolver's
    # own 404 carries the tried patterns, which are not for users
    if isinstance(exception, Http404) and not isinstance(exception, Resolver404) and exception.args \
            and isinstance(exception.args[0], str):
        message = exception.args[0]
    return _render(request, 404, _("페이지를 찾을 수 없습니다"), message)


def bad_request(request, exception=None):
    from django.utils.translation import gettext as _

    return _render(request, 400, _("잘못된 요청입니다"), _("입력한 내용을 확인한 뒤 다시 시도하세요."))


def server_error(request):
    from django.utils.translation import gettext as _

    # no user context: the error may come from the database itself
    return render(request, "core/error_500.html", {"title": _("일시적인 오류가 발생했습니다")}, status=500)
