"""`marketdock channels normalize --kind {naver,coupang,shopify,elevenst,cafe24,esm,gmarket,auction} FILE`: print the normalized order
lines of a raw marketplace payload as JSON (exit status 1 with a message naming the bad field)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from marketdock.channels.connectors.errors import MalformedPayload
from marketdock.channels.normalize import KINDS, XML_KINDS, normalize_payload


class Command(BaseCommand):
    help = "Marketplace channel tools (normalize: raw payload → normalized order lines as JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        normalize = sub.add_parser("normalize", help="print the normalized order lines of a raw payload")
        normalize.add_argument("--kind", required=True, choices=KINDS)
        normalize.add_argument("file", help="JSON (XML for 11st) file: a saved API response or webhook body ('-' = stdin)")
        normalize.add_argument("--raw", action="store_true", help="include the raw payload of each line")

    def handle(self, *args, **options):
        if options["action"] == "normalize":
            self._normalize(options)

    def _normalize(self, options) -> None:
        name = options["file"]
        try:
            content = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            # XML payloads are decoded by their own declaration (11st answers in EUC-KR)
            text = "" if options["kind"] in XML_KINDS else content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("파일을 읽을 수 없습니다: %(file)s (%(error)s)") % {"file": name, "error": exc})
        if options["kind"] in XML_KINDS:
            payload = content
        else:
            try:
                payload = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CommandError(_("JSON 형식이 아닙니다: %(file)s %(line)d행 %(col)d열 — %(error)s")
                                   % {"file": name, "line": exc.lineno, "col": exc.colno, "error": exc.msg})
        try:
            lines = normalize_payload(options["kind"], payload)
        except MalformedPayload as exc:
            raise CommandError(_("잘못된 %(kind)s 주문 데이터입니다: %(error)s") % {"kind": options["kind"], "error": exc})
        if not lines and options["kind"] == "cafe24":
            self.stderr.write(_("주문 라인이 없습니다 (카페24 주문을 embed=items 없이 조회한 응답에는 품목이 없습니다)."))
        exclude = None if options["raw"] else {"raw"}
        data = [line.model_dump(mode="json", exclude=exclude) for line in lines]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
