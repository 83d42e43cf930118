"""API errors as Kubernetes reports them: a Status object with the same HTTP code."""

from __future__ import annotations

from typing import Any

from .resources import ResourceType


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _details(rt: ResourceType, name: str) -> dict[str, Any]:
    d: dict[str, Any] = {"name": name}
    if rt.group:
        d["group"] = rt.group
    d["kind"] = rt.plural
    return d


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found', _details(rt, name))


def already_exists(rt: ResourceType, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{rt.qualified} "{name}" already exists', _details(rt, name))


def conflict(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        _details(rt, name),
    )


def too_large_rv(requested: int, current: int) -> ApiError:
    # kube-apiserver's watch cache, after waiting 3 s for an RV it has not reached (storage's
    # NewTooLargeResourceVersionError, as the API reports it).
    return ApiError(504, "Timeout", f"Timeout: Too large resource version: {requested}, current: {current}",
                    {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                     "retryAfterSeconds": 1})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    return ApiError(405, "MethodNotAllowed", message, {})


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def gone_namespace(rt: ResourceType, name: str, namespace: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{rt.qualified} "{name}" is forbidden: unable to create new content in namespace {namespace} '
        "because it is being terminated",
        _details(rt, name),
    )


def namespace_not_found(namespace: str) -> ApiError:
    return ApiError(404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"})


class FieldError:
    """One cause of a 422 Invalid, worded like apimachinery's field.Error."""

    __slots__ = ("reason", "field", "message", "value")

    def __init__(self, reason: str, field: str, message: str, value: Any = None):
        self.reason = reason
        self.field = field
        self.message = message
        self.value = value

    def render(self) -> str:
        return f"{self.field}: {self.message}"


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def required(field: str) -> FieldError:
    return FieldError("FieldValueRequired", field, "Required value")


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", field, f"Invalid value: {_quote(value)}: {detail}", value)


def not_supported(field: str, value: Any, allowed: list[str]) -> FieldError:
    opts = ", ".join(_quote(a) for a in allowed)
    return FieldError("FieldValueNotSupported", field, f"Unsupported value: {_quote(value)}: supported values: {opts}", value)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", field, f"Duplicate value: {_quote(value)}", value)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", field, f"Forbidden: {detail}")


def immutable(field: str, value: Any) -> FieldError:
    return FieldError("FieldValueInvalid", field, f"Invalid value: {_quote(value)}: field is immutable", value)


def invalid_error(rt: ResourceType, name: str, errs: list[FieldError]) -> ApiError:
    if len(errs) == 1:
        summary = errs[0].render()
    else:
        summary = "[" + ", ".join(e.render() for e in errs) + "]"
    details: dict[str, Any] = {"name": name}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.kind
    details["causes"] = [{"reason": e.reason, "message": e.message, "field": e.field} for e in errs]
    return ApiError(422, "Invalid", f'{rt.kind_qualified} "{name}" is invalid: {summary}', details)
