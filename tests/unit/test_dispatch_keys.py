"""Signing of the runner's requests and the secrets' rotation (pure), and
which tickets and seats a channel's limits revoke."""
import pure_import

dispatch = pure_import.load("jobrunner.dispatch")
tickets = pure_import.load("jobrunner.tickets")
channels = pure_import.load("jobrunner.channels")

CURRENT, PREVIOUS, ROTATED = dispatch.SECRET_PARAMS


def test_signature_covers_every_field_and_refuses_non_ascii():
    form = {key: "v" for key in dispatch.SIGNED_FIELDS}
    token = dispatch.sign("s3cret", form)
    assert dispatch.check_signature("s3cret", form, token)
    for key in dispatch.SIGNED_FIELDS:
        assert not dispatch.check_signature("s3cret", dict(form, **{key: "w"}), token)
    assert not dispatch.check_signature("other", form, token)
    assert not dispatch.check_signature("s3cret", form, "é" * 64)
    assert not dispatch.check_signature("s3cret", form, None)
    assert not dispatch.check_signature(None, form, token)


def test_rotation_overlap():
    values = {CURRENT: "new", PREVIOUS: "old", ROTATED: "1000"}
    new, old = dispatch.key_id("new"), dispatch.key_id("old")
    # the runner signs with the old one until the workers can know the new
    assert dispatch.signing_secret(values, 1000) == "old"
    assert dispatch.signing_secret(values, 1000 + dispatch.SIGN_NEW_AFTER) == "new"
    assert dispatch.SIGN_NEW_AFTER > 2 * dispatch.SECRETS_REFRESH
    # workers accept both during the overlap, then the new one only
    assert dispatch.accepted_secrets(values, 1001) == {new: "new", old: "old"}
    late = 1000 + dispatch.PREVIOUS_ACCEPTED
    assert dispatch.accepted_secrets(values, late) == {new: "new"}
    assert dispatch.PREVIOUS_ACCEPTED > dispatch.SIGN_NEW_AFTER + tickets.DEFAULT_TTL
    # never rotated; nothing at all
    assert dispatch.signing_secret({CURRENT: "only"}, 5) == "only"
    assert dispatch.accepted_secrets({}, 5) == {}
    assert dispatch.accepted_secrets({CURRENT: "a", ROTATED: "bad"}, 5) == {
        dispatch.key_id("a"): "a"
    }


def manager(config):
    m = channels.ChannelManager()
    m.simple_configure(config)
    return m


def test_beyond_limits_keeps_seats_first_up_to_capacity():
    m = manager("root:4,root.a:2,root.s:1:sequential")
    live = [
        ("s1", "root.a", True),
        ("s2", "root.a", True),
        ("t1", "root.a", False),
        ("q1", "root.s", True),
        ("q2", "root.s", False),
        ("r1", "root.b", True),
        ("r2", "root.b", False),
    ]
    # root's capacity 4 is reached by s1, s2, q1, r1
    assert tickets.beyond_limits(live, m) == ["t1", "q2", "r2"]


def test_beyond_limits_paused_and_lowered():
    m = manager("root:8,root.a:3")
    m.set_overrides({"root.a": {"capacity": 1, "paused": False}})
    live = [("s1", "root.a", True), ("s2", "root.a", True), ("t", "root.a.x", False)]
    assert tickets.beyond_limits(live, m) == ["s2", "t"]
    m.set_overrides({"root.a": {"capacity": None, "paused": True}})
    assert tickets.beyond_limits(live, m) == ["s1", "s2", "t"]
    assert tickets.beyond_limits([("o", "root.other", True)], m) == []
