# SPDX-License-Identifier: GPL-2.0-only
"""Kernel module dependency closure from modules.dep and modules.builtin."""

from __future__ import annotations

from pathlib import Path

from .proc import HarnessError


def _name(path: str) -> str:
    """Return the canonical module name of a module path or name."""
    base = path.rsplit("/", 1)[-1]
    for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(ext):
            base = base[:-len(ext)]
            break
    return base.replace("-", "_")


class ModuleIndex:
    """The modules of one kernel release, read from its module directory."""

    def __init__(self, moddir: Path) -> None:
        self.deps: dict[str, list[str]] = {}
        self.path: dict[str, str] = {}
        self.builtin: set[str] = set()
        try:
            dep = (moddir / "modules.dep").read_text(encoding="utf-8")
            builtin = (moddir / "modules.builtin").read_text(
                encoding="utf-8")
        except OSError as e:
            raise HarnessError(f"cannot read module index: {e}") from e
        for line in dep.splitlines():
            head, _, tail = line.partition(":")
            name = _name(head)
            self.path[name] = head
            self.deps[name] = [_name(d) for d in tail.split()]
        self.builtin = {_name(line) for line in builtin.split()}

    def closure(self, names: list[str]) -> tuple[list[str], list[str]]:
        """Return (module paths in load order, names built in).

        Dependencies come before the modules that need them.  A name that
        is neither a module nor built in is an error.
        """
        order: list[str] = []
        seen: set[str] = set()
        builtin: list[str] = []

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if name in seen:
                return
            if name in chain:
                raise HarnessError(f"module dependency loop: {chain}")
            for dep in self.deps[name]:
                visit(dep, chain + (name,))
            seen.add(name)
            order.append(self.path[name])

        for raw in names:
            name = _name(raw)
            if name in self.path:
                visit(name, ())
            elif name in self.builtin:
                builtin.append(raw)
            else:
                raise HarnessError(f"kernel module {raw} is neither a "
                                   "module nor built in")
        return order, builtin
