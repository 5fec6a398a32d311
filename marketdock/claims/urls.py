from . import urls_cs

app_name = "claims"

urlpatterns: list = []
urlpatterns += urls_cs.urlpatterns  # 담당자 배정, 문자 발송, 클레임 분석
