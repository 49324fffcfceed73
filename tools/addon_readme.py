"""Write queue_job/README.rst from the fragments of queue_job/readme/.

The OCA way: the fragments are the source, README.rst is generated.
Run it after editing a fragment; a test checks both agree.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = os.path.join(ROOT, "queue_job")
SECTIONS = [
    ("DESCRIPTION.rst", None),
    ("INSTALL.rst", "Installation"),
    ("CONFIGURE.rst", "Configuration"),
    ("USAGE.rst", "Usage"),
    ("COMPATIBILITY.rst", "Compatibility with the reference queue_job 15.0"),
    ("ROADMAP.rst", "Known issues / Roadmap"),
    ("CONTRIBUTORS.rst", "Contributors"),
]


def render():
    parts = ["=========\nJob Queue\n=========\n"]
    for filename, title in SECTIONS:
        with open(os.path.join(ADDON, "readme", filename)) as fh:
            text = fh.read().strip()
        if title:
            parts.append("%s\n%s\n" % (title, "=" * len(title)))
        parts.append(text + "\n")
    return "\n".join(parts)


def main():
    path = os.path.join(ADDON, "README.rst")
    text = render()
    if "--check" in sys.argv:
        with open(path) as fh:
            if fh.read() != text:
                sys.exit(
                    "queue_job/README.rst is out of date: run tools/addon_readme.py"
                )
        return
    with open(path, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
