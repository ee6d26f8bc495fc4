"""``desktop-crm templates``: list the document templates and lint them.

    desktop-crm templates            # every template id, its formats and where it comes from
    desktop-crm templates --lint     # unknown fields and broken tags, before a render fails

The user's templates live in ``<data dir>/templates/documents/`` and override bundled ones with the
same name. Exit status 1 when the linter found problems.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("templates", help="list and lint the document templates")
    parser.add_argument("--lint", action="store_true", help="check every template against the data contract")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop_crm.documents import lint, render
    from desktop_crm.i18n import _, pgettext

    user = render.user_templates_dir()
    print(_("User templates: {path}").format(path=user))
    found = 0
    for template_id, formats in render.available_templates().items():
        for fmt in formats:
            path = render.find_template(template_id, "html" if fmt == "pdf" else "docx")
            origin = (
                pgettext("template origin", "user") if path.parent == user
                else pgettext("template origin", "bundled")
            )
            print(f"{template_id:16} {fmt:5} {origin:10} {path}")
            if args.lint:
                for problem in lint.lint(path):
                    found += 1
                    print(f"    {problem.message}")
    if args.lint:
        print(_("No problems found.") if not found else _("{count} problems found.").format(count=found))
    return 1 if found else 0
