# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The channels configuration grammar (parse_simple_config, simple_configure)."""
import logging

import pure_import
import pytest

channels = pure_import.load("jobrunner.channels")
ChannelManager = channels.ChannelManager


def parse(text):
    return ChannelManager.parse_simple_config(text)


def brief(text):
    """(name, capacity, sequential, throttle) of each parsed entry."""
    return [
        (c["name"], c["capacity"], c["sequential"], c["throttle"]) for c in parse(text)
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("root:4", [("root", 4, False, 0)]),
        ("root", [("root", 1, False, 0)]),
        ("root.sub", [("root.sub", 1, False, 0)]),
        ("sub:2", [("root.sub", 2, False, 0)]),
        ("sub.deeper:3", [("root.sub.deeper", 3, False, 0)]),
        ("rootish:2", [("root.rootish", 2, False, 0)]),
        ("root:05", [("root", 5, False, 0)]),
        ("root.sub:0", [("root.sub", 0, False, 0)]),
        (" root : 4 , sub : 2 ", [("root", 4, False, 0), ("root.sub", 2, False, 0)]),
        (",root:4,,sub:2,", [("root", 4, False, 0), ("root.sub", 2, False, 0)]),
        (
            "root:4\n  sub:2\n\n  other:3,\n",
            [
                ("root", 4, False, 0),
                ("root.sub", 2, False, 0),
                ("root.other", 3, False, 0),
            ],
        ),
        ("root:4\r\nsub:2\r\n", [("root", 4, False, 0), ("root.sub", 2, False, 0)]),
        ("my channel:3", [("root.my channel", 3, False, 0)]),
        ("root.sub:1:sequential", [("root.sub", 1, True, 0)]),
        ("root.sub : 1 : sequential ", [("root.sub", 1, True, 0)]),
        ("root.sub:1:sequential=yes", [("root.sub", 1, True, 0)]),
        ("root.sub:1:sequential=TRUE", [("root.sub", 1, True, 0)]),
        ("root.sub:1:sequential=1", [("root.sub", 1, True, 0)]),
        ("root.sub:3:sequential=0", [("root.sub", 3, False, 0)]),
        ("root.sub:3:sequential=off", [("root.sub", 3, False, 0)]),
        ("root.sub:2:throttle=10", [("root.sub", 2, False, 10)]),
        ("root.sub:2:throttle = 10", [("root.sub", 2, False, 10)]),
        ("root.sub:2:throttle=0", [("root.sub", 2, False, 0)]),
        ("root.sub:1:sequential:throttle=5", [("root.sub", 1, True, 5)]),
        ("root.sub:2:", [("root.sub", 2, False, 0)]),
        ("root.sub:2::throttle=3", [("root.sub", 2, False, 3)]),
        ("", []),
        (None, []),
        (" , \n ,", []),
    ],
)
def test_accepted(text, expected):
    assert brief(text) == expected


def test_unknown_and_bare_keys_are_kept_but_unused():
    (config,) = parse("root.sub:2:foo:bar=baz:empty=")
    assert config["foo"] is True
    assert config["bar"] == "baz"
    assert config["empty"] == ""
    manager = ChannelManager()
    manager.simple_configure("root.sub:2:foo:bar=baz")
    assert manager.get_channel_by_name("root.sub").capacity == 2


def test_reserved_names_win_over_options():
    (config,) = parse("root.sub:2:name=other:capacity=9")
    assert config["name"] == "root.sub"
    assert config["capacity"] == 2


@pytest.mark.parametrize(
    "text, fragments",
    [
        (":2", ["missing channel name", "':2'"]),
        ("  : 2 : sequential", ["missing channel name", "': 2 : sequential'"]),
        ("root:4, :3", ["missing channel name", "':3'"]),
        ("root.foo:x", ["invalid capacity 'x' in channel entry 'root.foo:x'"]),
        ("root.foo:-1", ["invalid capacity '-1'", "'root.foo:-1'"]),
        ("root.foo:+2", ["invalid capacity '+2'"]),
        ("root.foo:1.5", ["invalid capacity '1.5'"]),
        ("root.foo:1_0", ["invalid capacity '1_0'"]),
        ("root.foo:", ["invalid capacity ''", "'root.foo:'"]),
        ("root.foo:sequential", ["invalid capacity 'sequential'"]),
        (
            "root.foo:1:a=b=c",
            [
                "incorrect config item 'a=b=c'",
                "'root.foo:1:a=b=c'",
                "more than one '='",
            ],
        ),
        ("root.foo:1:=v", ["incorrect config item '=v'", "no key"]),
        ("root.foo:1:a:a", ["duplicate key 'a'", "'root.foo:1:a:a'"]),
        ("root.foo:1:a=1:a=2", ["duplicate key 'a'"]),
        ("root.foo:1:sequential:sequential", ["duplicate key 'sequential'"]),
        (
            "root.foo:2:sequential",
            ["sequential", "capacity of 1", "'root.foo:2:sequential'", "'2'"],
        ),
        ("root.foo:0:sequential", ["capacity of 1", "'0'"]),
        ("root.foo:1:sequential=maybe", ["invalid sequential value 'maybe'"]),
        ("root.foo:1:sequential=", ["invalid sequential value ''"]),
        (
            "root.foo:1:throttle=x",
            ["invalid throttle 'x'", "'root.foo:1:throttle=x'", "seconds"],
        ),
        ("root.foo:1:throttle=-3", ["invalid throttle '-3'"]),
        ("root.foo:1:throttle=1.5", ["invalid throttle '1.5'"]),
        ("root.foo:1:throttle=", ["invalid throttle ''"]),
        ("root.foo:1:throttle", ["throttle without a value", "'root.foo:1:throttle'"]),
        ("root..foo:1", ["invalid channel name 'root..foo'", "empty part"]),
        ("root.foo.:1", ["invalid channel name 'root.foo.'"]),
        (".foo:1", ["invalid channel name '.foo'"]),
    ],
)
def test_rejected(text, fragments):
    with pytest.raises(ValueError) as caught:
        parse(text)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_error_names_the_bad_entry_among_good_ones():
    with pytest.raises(ValueError) as caught:
        parse("root:4,\nsub:2,\nbad:x,\nok:1")
    message = str(caught.value)
    assert "'bad:x'" in message
    assert "sub:2" not in message and "ok:1" not in message


def test_split_strip():
    assert channels.split_strip(" a , b ,c ", ",") == ["a", "b", "c"]
    assert channels.split_strip("a: b :c", ":", 1) == ["a", "b :c"]
    assert channels.split_strip("", ",") == [""]


def test_simple_configure_creates_channels_and_logs(caplog):
    manager = ChannelManager()
    with caplog.at_level(logging.INFO):
        manager.simple_configure("root:4,root.a.b:2,sub:1:sequential:throttle=5")
    root = manager.get_channel_by_name("root")
    assert root.capacity == 4
    ab = manager.get_channel_by_name("root.a.b")
    assert ab.capacity == 2 and ab.fullname == "root.a.b"
    # missing parents are created with unlimited capacity
    a = manager.get_channel_by_name("a")
    assert a.capacity is None and ab.parent is a and a.parent is root
    sub = manager.get_channel_by_name("root.sub")
    assert sub.sequential and sub.throttle == 5 and sub.capacity == 1
    messages = [r.getMessage() for r in caplog.records]
    assert "Configured channel: root(C:4,Q:0,R:0,F:0)" in messages
    assert "Configured channel: root.a.b(C:2,Q:0,R:0,F:0)" in messages
    assert "Configured channel: root.sub(C:1,Q:0,R:0,F:0)" in messages


def test_channel_str_shows_unlimited_capacity():
    manager = ChannelManager()
    manager.simple_configure("root:0,free:0")
    assert str(manager.get_channel_by_name("free")) == "root.free(C:∞,Q:0,R:0,F:0)"
    assert str(manager.get_channel_by_name("x.y", autocreate=True)) == (
        "root.x.y(C:∞,Q:0,R:0,F:0)"
    )


def test_parent_configured_after_child():
    manager = ChannelManager()
    manager.simple_configure("root.a.b:2,root.a:3")
    assert manager.get_channel_by_name("root.a").capacity == 3
    assert manager.get_channel_by_name("root.a.b").parent.capacity == 3


def test_reconfigure_changes_capacity_and_sequential():
    manager = ChannelManager()
    manager.simple_configure("root:4,a:1:sequential")
    manager.simple_configure("a:3")
    channel = manager.get_channel_by_name("root.a")
    assert channel.capacity == 3 and not channel.sequential


def test_duplicate_entry_last_wins_with_warning(caplog):
    manager = ChannelManager()
    with caplog.at_level(logging.WARNING):
        manager.simple_configure("a:2,a:5")
    assert manager.get_channel_by_name("root.a").capacity == 5
    assert any("more than once" in r.getMessage() for r in caplog.records)


def test_invalid_configuration_changes_nothing():
    manager = ChannelManager()
    manager.simple_configure("root:4,a:2")
    with pytest.raises(ValueError):
        manager.simple_configure("root:8,a:3,b:x")
    assert manager.get_channel_by_name("root").capacity == 4
    assert manager.get_channel_by_name("a").capacity == 2
    with pytest.raises(channels.ChannelNotFound):
        manager.get_channel_by_name("b")


def test_configure_rejects_sequential_with_capacity_not_one():
    manager = ChannelManager()
    with pytest.raises(ValueError) as caught:
        manager.get_channel_from_config(
            {"name": "root.s", "capacity": 2, "sequential": True, "throttle": 0}
        )
    assert "root.s" in str(caught.value) and "capacity of 1" in str(caught.value)
    with pytest.raises(channels.ChannelNotFound):
        manager.get_channel_by_name("root.s")
