from svctui.model.store import ADDED, BOOKMARK, DELETED, ENDPOINTSLICE, MODIFIED, POD, SERVICE, Store

from .build import ep, pod, slice_, svc


def kinds(deltas):
    return sorted((d.type, d.key) for d in deltas)


def test_apply_added_modified_deleted():
    st = Store()
    s1 = slice_("web-1", eps=[ep("10.0.0.1", "a")], rv="1")
    assert kinds(st.apply(ENDPOINTSLICE, ADDED, s1)) == [(ADDED, ("default", "web-1"))]
    assert st.apply(ENDPOINTSLICE, ADDED, s1) == []  # re-delivered
    assert st.apply(ENDPOINTSLICE, MODIFIED, s1) == []
    s2 = slice_("web-1", eps=[ep("10.0.0.2", "b")], rv="2")
    (d,) = st.apply(ENDPOINTSLICE, MODIFIED, s2)
    assert (d.type, d.old, d.new) == (MODIFIED, s1, s2)
    assert st.apply(ENDPOINTSLICE, BOOKMARK, s2) == []
    assert kinds(st.apply(ENDPOINTSLICE, DELETED, s2)) == [(DELETED, ("default", "web-1"))]
    assert st.apply(ENDPOINTSLICE, DELETED, s2) == []
    assert st.slices == {}


def test_same_name_new_uid_is_delete_then_add():
    st = Store()
    st.apply(POD, ADDED, pod("web-0", "10.0.0.1", uid="u1", rv="1"))
    deltas = st.apply(POD, MODIFIED, pod("web-0", "10.0.0.9", uid="u2", rv="5"))
    assert [d.type for d in deltas] == [DELETED, ADDED]
    assert deltas[0].old.uid == "u1" and deltas[1].new.uid == "u2"
    # A late DELETED for the old incarnation leaves the new one alone.
    assert st.apply(POD, DELETED, pod("web-0", "10.0.0.1", uid="u1", rv="6")) == []
    assert st.pods[("default", "web-0")].uid == "u2"


def test_relist_identical_state_yields_nothing():
    st = Store()
    objs = [svc("a", rv="1"), svc("b", rv="2"), svc("c", ns="other", rv="3")]
    assert len(st.replace_all(SERVICE, objs)) == 3
    # Fresh instances, as a new list response would decode them.
    again = [svc("a", rv="1"), svc("b", rv="2"), svc("c", ns="other", rv="3")]
    assert st.replace_all(SERVICE, again) == []


def test_relist_after_missed_events_yields_exactly_the_difference():
    st = Store()
    st.replace_all(SERVICE, [svc("a", rv="1"), svc("b", rv="2"), svc("c", rv="3"), svc("x", ns="other", rv="4")])
    # While the watch was down: b modified, c deleted, d added; "other" untouched.
    deltas = st.replace_all(SERVICE, [svc("a", rv="1"), svc("b", rv="7", ip="10.96.0.99"), svc("d", rv="8"),
                                      svc("x", ns="other", rv="4")])
    assert kinds(deltas) == [(ADDED, ("default", "d")), (DELETED, ("default", "c")), (MODIFIED, ("default", "b"))]


def test_relist_of_one_namespace_leaves_others_alone():
    st = Store()
    st.replace_all(SERVICE, [svc("a", rv="1"), svc("x", ns="other", rv="2")])
    deltas = st.replace_all(SERVICE, [svc("y", ns="other", rv="3"), svc("zzz", ns="ignored")], namespace="other")
    assert kinds(deltas) == [(ADDED, ("other", "y")), (DELETED, ("other", "x"))]
    assert ("default", "a") in st.services and ("ignored", "zzz") not in st.services


def test_rv_equality_not_order():
    st = Store()
    st.apply(SERVICE, ADDED, svc("a", rv="100"))
    # Opaque: a "smaller" version is still a change.
    assert [d.type for d in st.apply(SERVICE, MODIFIED, svc("a", rv="99", ip="10.96.0.11"))] == [MODIFIED]
