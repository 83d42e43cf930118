"""Secrets and ServiceAccounts (core/v1): defaulting, validation and printers.

Rules follow pkg/apis/core/validation (ValidateSecret, ValidateConfigMap's key rule) and
pkg/apis/core/v1/conversion.go (stringData is merged into data and never stored); printers follow
pkg/printers/internalversion/printers.go.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..strategy import Strategy
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                  "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
MAX_SECRET_BYTES = 1024 * 1024
# Keys a typed Secret must carry (pkg/apis/core/validation ValidateSecret).
_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/basic-auth": (),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
}


def validate_config_keys(field: str, data: Any) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    for key in data or {}:
        if len(key) > 253:
            errs.append(E.invalid(f"{field}[{key}]", key, "must be no more than 253 characters"))
        if not CONFIG_KEY.match(key):
            errs.append(E.invalid(f"{field}[{key}]", key, CONFIG_KEY_MSG))
        elif key in (".", ".."):
            errs.append(E.invalid(f"{field}[{key}]", key, "must not be '.'" if key == "." else "must not be '..'"))
        elif key.startswith(".."):
            errs.append(E.invalid(f"{field}[{key}]", key, "must not start with '..'"))
    return errs


def _decoded_size(data: dict[str, Any]) -> int:
    total = 0
    for v in data.values():
        try:
            total += len(base64.b64decode(v or "", validate=False))
        except (ValueError, TypeError):
            total += len(str(v))
    return total


class SecretStrategy(Strategy):
    has_status = False

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        if not obj.get("type"):
            obj["type"] = "Opaque"
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict) and string_data:
            data = obj.get("data")
            if not isinstance(data, dict):
                obj["data"] = data = {}
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        data = obj.get("data") or {}
        errs = validate_config_keys("data", data)
        stype = obj.get("type")
        for key in _REQUIRED_KEYS.get(stype or "", ()):
            if key not in data:
                errs.append(E.required(f"data[{key}]"))
        if stype == "kubernetes.io/service-account-token":
            annotations = obj["metadata"].get("annotations") or {}
            if not annotations.get("kubernetes.io/service-account.name"):
                errs.append(E.required("metadata.annotations[kubernetes.io/service-account.name]"))
        if stype == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
            errs.append(E.required("data[username]"))
        if _decoded_size(data) > MAX_SECRET_BYTES:
            errs.append(E.FieldError("FieldValueTooLong", "data", f"Too long: may not be more than {MAX_SECRET_BYTES} bytes"))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        errs: list[E.FieldError] = []
        if obj.get("type") != old.get("type"):
            errs.append(E.immutable("type", obj.get("type")))
        if old.get("immutable"):
            if not obj.get("immutable"):
                errs.append(E.forbidden("immutable", "field is immutable when `immutable` is set"))
            if (obj.get("data") or {}) != (old.get("data") or {}):
                errs.append(E.forbidden("data", "field is immutable when `immutable` is set"))
        return errs


class ServiceAccountStrategy(Strategy):
    has_status = False


def _secret_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], obj.get("type", ""), len(obj.get("data") or {}),
            T.age(obj["metadata"].get("creationTimestamp"), now)]


def _sa_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], len(obj.get("secrets") or []), T.age(obj["metadata"].get("creationTimestamp"), now)]


def register(cluster: Cluster) -> None:
    register_strategy(R.SECRETS, SecretStrategy())
    register_strategy(R.SERVICEACCOUNTS, ServiceAccountStrategy())
    T.register(R.SECRETS, [
        T.NAME_COLUMN,
        T.col("Type", description="The type of the secret"),
        T.col("Data", "integer", "The number of entries in the data"),
        T.AGE_COLUMN,
    ], _secret_cells)
    T.register(R.SERVICEACCOUNTS, [
        T.NAME_COLUMN,
        T.col("Secrets", "integer", "Secrets is a list of the secrets in the same namespace that pods running using "
              "this ServiceAccount are allowed to use."),
        T.AGE_COLUMN,
    ], _sa_cells)
