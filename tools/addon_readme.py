"""Write each addon's README.rst from the fragments of its readme/ folder.

The OCA way: the fragments are the source, README.rst is generated, titled
with the manifest's name. Run it after editing a fragment; a test checks
that every README agrees with its fragments (``--check``).
"""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ["queue_job", "test_queue_job"]
# fragment, section title (None: the text under the addon's title); an
# addon may leave out any fragment but DESCRIPTION.rst
SECTIONS = [
    ("DESCRIPTION.rst", None),
    ("INSTALL.rst", "Installation"),
    ("CONFIGURE.rst", "Configuration"),
    ("USAGE.rst", "Usage"),
    ("COMPATIBILITY.rst", "Compatibility with the reference queue_job 15.0"),
    ("ROADMAP.rst", "Known issues / Roadmap"),
    ("CONTRIBUTORS.rst", "Contributors"),
]


def _title(addon):
    with open(os.path.join(ROOT, addon, "__manifest__.py")) as fh:
        name = ast.literal_eval(fh.read())["name"]
    rule = "=" * len(name)
    return "%s\n%s\n%s\n" % (rule, name, rule)


def render(addon):
    parts = [_title(addon)]
    for filename, title in SECTIONS:
        path = os.path.join(ROOT, addon, "readme", filename)
        if title and not os.path.exists(path):
            continue
        with open(path) as fh:
            text = fh.read().strip()
        if title:
            parts.append("%s\n%s\n" % (title, "=" * len(title)))
        parts.append(text + "\n")
    return "\n".join(parts)


def main():
    stale = []
    for addon in ADDONS:
        path = os.path.join(ROOT, addon, "README.rst")
        text = render(addon)
        if "--check" in sys.argv:
            with open(path) as fh:
                if fh.read() != text:
                    stale.append("%s/README.rst" % addon)
        else:
            with open(path, "w") as fh:
                fh.write(text)
    if stale:
        sys.exit("%s out of date: run tools/addon_readme.py" % ", ".join(stale))


if __name__ == "__main__":
    main()
