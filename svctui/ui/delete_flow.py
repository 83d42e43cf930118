"""ctrl+d: the plan (model/deleteplan.py), the cluster's permission, the confirmation, the deletion.
The prompt is offered only when the cluster says the user may delete those pods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from svctui.kube import access_review, actions
from svctui.model.cluster import ClusterModel
from svctui.model.deleteplan import DeletePlan, delete_plan
from svctui.model.sanitize import plain

from .messages import DeleteDone
from .screens.confirm import ConfirmDelete


def plan_for(model: ClusterModel, data: tuple | None) -> DeletePlan | str:
    """What ctrl+d would delete for the selected row (`data`: the tree's), or why nothing."""
    if data is None:
        return delete_plan(model, None, None)
    return delete_plan(model, data[0], data[1] if len(data) > 1 else None, data[2] if len(data) > 2 else None)


async def offer_delete(node: Widget, api: Callable[[], Any], plan: DeletePlan, read_only: bool) -> None:
    """The confirmation; the result comes back to `node` as DeleteDone. `api` is read when the user
    says yes: the watch may have moved on meanwhile."""
    pods = list(plan.pods)
    client = api()
    if client is not None and pods:
        lacking = await access_review.missing(client, access_review.delete_pods(pods[0].namespace), timeout=5.0)
        if lacking:
            node.notify(plain(f"{access_review.refusal(lacking)}: svctui does not offer to delete them"),
                        title="refused", severity="error", markup=False)
            return

    async def deleter(chosen: list[actions.PodRef]) -> list[actions.DeleteResult]:
        now = api()
        if now is None:
            raise RuntimeError("not connected to a cluster")
        return await actions.delete_pods(now, chosen, read_only=read_only)

    def deleted(results: list[actions.DeleteResult] | None) -> None:
        if results is not None:
            node.post_message(DeleteDone(results))
    node.app.push_screen(ConfirmDelete(plan.title, pods, plan.equivalent, deleter), deleted)
