"""An object plan's fields that are read from the object itself, written by one generated
function per plan instead of dispatched field by field (graph.compiled.run).

A book's objects are mostly such fields: a person's name, sex, birth date, an office's code and
name, a card's dates. Dispatched one by one, each cost a pass of the level's loop, a permission
call through the generic path and a completion call for what is one attribute read (written
here, a book's ~150 such fields cost ~50-150 µs less: bench/results/ebook.md). Here each field is a few lines of Python generated from the plan (keys as `repr`
literals), run for every object of the level in one loop:

- its permissions are asked as the generic path asks them (`has_permission` with the shared
  `PlanInfo` at the object and key: the same checks and access-log notes); a refusal goes
  through `Run.refuse`;
- the value is read (`Resolver.get`); an exception, a None, a list, an object, or a leaf whose
  completer raises goes through `Run.complete_value`, which answers it exactly as before;
- only a leaf that completes is written in place.

Every other field (arguments, async resolvers, batches, written pages) stays with `Run.level`.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from graph.compiled.plan import FieldPlan, ObjectPlan
    from graph.compiled.run import Children, Position, Run

Writer = Callable[["Run", list["Position"], "Children"], None]
"""Writes a plan's own fields for these objects; objects they yield join `Children`."""


def writable(field: "FieldPlan") -> bool:
    """A field read by `Resolver.get` (which no batch, async resolver or written page has: they
    replace it) and taking no arguments (a permission here is asked without any)."""
    return field.resolver.get is not None and field.index < 0


_REFUSED: Final = object()
"""A permission refused: `Run.refuse` finds which and answers with its error."""

_HEAD: Final = """
def write(run, objects, children):
    info = run.info
    complete = run.complete_value
    for o in objects:
        s = o.source
        out = o.out
"""


def _field(n: int, field: "FieldPlan") -> list[str]:
    """Lines (indented for the object loop) writing field `n` (the names `f{n}` for the plan,
    `get{n}`, `c{n}` for its completer, `p{n}_{i}` for its permissions)."""
    key = repr(field.key)
    permissions = field.resolver.permissions
    if permissions:
        # One `try` around the checks and the read, as `Run.resolve` has it.
        checks = " and ".join(f"p{n}_{i}.has_permission(s, info)" for i in range(len(permissions)))
        lines = [
            "        info.at = o",
            f"        info.key = {key}",
            "        try:",
            f"            v = get{n}(s) if {checks} else REFUSED",
            "        except Exception as error:",
            "            v = error",
            "        if v is REFUSED:",
            f"            run.refuse(f{n}, o, children)",
            "        elif v is None:",
        ]
    else:
        lines = [
            "        try:",
            f"            v = get{n}(s)",
            "        except Exception as error:",
            "            v = error",
            "        if v is None:",
        ]
    lines.append(f"            {f'complete(f{n}, o, v, None)' if field.nonnull else 'pass'}")
    if field.coerce is None or field.is_list:
        lines += ["        else:", f"            complete(f{n}, o, v, children)"]
        return lines
    lines += [
        "        elif isinstance(v, Exception):",
        f"            complete(f{n}, o, v, None)",
        "        else:",
        "            try:",
        f"                out[{key}] = c{n}(v)",
        "            except Exception:",
        f"                complete(f{n}, o, v, None)",
    ]
    return lines


def writer(plan: "ObjectPlan", fields: list["FieldPlan"]) -> Writer:
    """The function writing `fields` (of `plan`, all `writable`)."""
    names: dict[str, Any] = {"REFUSED": _REFUSED}
    lines = [_HEAD]
    for n, field in enumerate(fields):
        names[f"f{n}"] = field
        names[f"get{n}"] = field.resolver.get
        names[f"c{n}"] = field.coerce
        for i, permission in enumerate(field.resolver.permissions):
            names[f"p{n}_{i}"] = permission
        lines += _field(n, field)
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<{plan.type_name}>", "exec"), names)
    write: Writer = names["write"]
    return write
