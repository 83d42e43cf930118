"""kubernetes_asyncio without importing all of it before the first request.

`import kubernetes_asyncio.<anything>` runs the package's __init__, which imports its client package,
and that one imports every generated API class (60 modules) and every model (700): ~0.6 s of a 1.4 s
start on the dev VM, for classes svctui never touches (it sends raw requests through ApiClient and
decodes the JSON itself). Here, for those three packages only (kubernetes_asyncio, its client and
client.models), the package module is made with its real spec and path but its __init__ is not run at
import: submodules import as usual (`kubernetes_asyncio.client.api_client`), the names the rest of the
library and svctui take from the package (ApiClient, Configuration, the exceptions) come from their own
modules, and any other name (`client.CoreV1Api`, `client.models.V1Pod`) runs the package's own __init__
then, in place, once: after that the package is exactly what a plain import makes. Nothing of the
library is changed, only when its package files run. tests/kube/test_lazy_client.py pins it.

Installed by svctui/kube/__init__.py, before anything imports kubernetes_asyncio; a no-op if something
already has.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

# package → {name: the submodule that defines it}, for the names taken with `from package import name`
_PACKAGES: dict[str, dict[str, str]] = {
    "kubernetes_asyncio": {},
    "kubernetes_asyncio.client": {
        "ApiClient": "api_client", "Configuration": "configuration", "ApiException": "exceptions",
        "ApiValueError": "exceptions", "ApiTypeError": "exceptions", "ApiKeyError": "exceptions",
        "ApiAttributeError": "exceptions", "OpenApiException": "exceptions",
    },
    "kubernetes_asyncio.client.models": {},
}


_INIT_DUNDERS = ("__all__", "__version__", "__project__")  # bound by the packages' __init__


class _DeferredInit(importlib.abc.Loader):
    def __init__(self, real: importlib.abc.Loader) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module, with the spec's __path__

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        known = _PACKAGES[name]
        real = self._real
        initialised = False

        def __getattr__(attr: str) -> Any:
            nonlocal initialised
            if attr.startswith("__") and attr not in _INIT_DUNDERS:
                raise AttributeError(attr)  # what the import machinery and tools probe for
            where = known.get(attr)
            if where is not None:
                value = getattr(importlib.import_module(f"{name}.{where}"), attr)
                setattr(module, attr, value)
                return value
            if importlib.util.find_spec(f"{name}.{attr}") is not None:  # a submodule: only it
                return importlib.import_module(f"{name}.{attr}")
            if not initialised:
                initialised = True
                real.exec_module(module)  # the package's own __init__, in this module
                if attr in module.__dict__:
                    return module.__dict__[attr]
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")

        module.__dict__["__getattr__"] = __getattr__  # PEP 562: what `module.__getattr__ =` binds


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None and spec.submodule_search_locations is not None:
            spec.loader = _DeferredInit(spec.loader)
        return spec


def install() -> None:
    if "kubernetes_asyncio" in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
