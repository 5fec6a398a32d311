"""Static files that ship inside installed Python packages rather than in an app's static/ folder.

plotly.js (the chart library of the analytics and stock screens) comes with the PyPI `plotly`
package as plotly/package_data/plotly.min.js: this finder serves that one file as
`core/vendor/plotly.min.js`, for runserver/whitenoise and for collectstatic alike, so nothing is
downloaded at run time and no CDN is involved. The version is the installed package's.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PACKAGED = {
    # static path: (python package, file inside it)
    "core/vendor/plotly.min.js": ("plotly", "package_data/plotly.min.js"),
}


def _source(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


class PackagedFileFinder(BaseFinder):
    def check(self, **kwargs):
        return [Error(f"{package} is not installed: {static} cannot be served", id="core.E901")
                for static, (package, relative) in PACKAGED.items() if _source(package, relative) is None]

    def find(self, path, find_all=False, **kwargs):
        found = []
        if path in PACKAGED:
            source = _source(*PACKAGED[path])
            if source is not None:
                found.append(str(source))
        if find_all or kwargs.get("all"):
            return found
        return found[0] if found else []

    def list(self, ignore_patterns):
        for static, (package, relative) in PACKAGED.items():
            source = _source(package, relative)
            if source is None:
                continue
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = str(Path(static).parent)
            yield source.name, storage
