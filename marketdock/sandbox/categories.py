"""The category tree the sandbox marketplaces serve (Naver 전체 카테고리 조회, Coupang 노출 카테고리):
one small tree of real top-level groups, with each marketplace's own id scheme."""

from __future__ import annotations

from typing import Any

# (name, naver id, coupang display category code, children)
TREE: tuple = (
    ("패션의류", "50000000", "69182", (
        ("여성의류", "50000167", "69183", (
            ("니트", "50000803", "56137", ()),
            ("원피스", "50000807", "56138", ()),
            ("티셔츠", "50000804", "56139", ()),
        )),
        ("남성의류", "50000169", "69184", (
            ("후드티", "50000831", "56201", ()),
            ("티셔츠", "50000830", "56202", ()),
            ("바지", "50000836", "56203", ()),
        )),
    )),
    ("식품", "50000006", "59258", (
        ("농산물", "50000145", "59259", (
            ("쌀", "50001977", "59260", ()),
            ("잡곡/혼합곡", "50001978", "59261", ()),
            ("현미", "50001979", "59262", ()),
        )),
        ("가공식품", "50000146", "59270", (
            ("과자/베이커리", "50001980", "59271", ()),
            ("커피", "50001981", "59272", ()),
        )),
    )),
    ("생활/건강", "50000008", "63897", (
        ("주방용품", "50000180", "63898", (
            ("머그컵", "50002010", "63899", ()),
            ("텀블러", "50002011", "63900", ()),
        )),
    )),
)


def naver_categories() -> list[dict[str, Any]]:
    """Naver's flat list: {wholeCategoryName "a>b>c", id, name, last}, top levels first."""
    out: list[dict[str, Any]] = []

    def walk(nodes, names):
        for name, naver_id, _coupang, children in nodes:
            path = [*names, name]
            out.append({"wholeCategoryName": ">".join(path), "id": naver_id, "name": name, "last": not children})
            walk(children, path)

    walk(TREE, [])
    return out


def coupang_display_categories() -> dict[str, Any]:
    """Coupang's tree: the ROOT node with nested `child` lists."""

    def node(name, code, children):
        return {"displayItemCategoryCode": int(code), "name": name, "status": "ACTIVE",
                "child": [node(n, c, ch) for n, _naver, c, ch in children]}

    return {"displayItemCategoryCode": 0, "name": "ROOT", "status": "ACTIVE",
            "child": [node(n, c, ch) for n, _naver, c, ch in TREE]}
