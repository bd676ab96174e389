"""Disguised copies of a program, as a student who copies makes them (for the near-copy tests)."""
import ast
import builtins

EXTRA = '''
def log_event(kind, who, text=""):
    stamp = time.strftime("%H:%M:%S")
    line = f"[{stamp}] {kind} {who} {text}"
    with open("chat.log", "a", encoding="utf-8") as f:
        f.write(line + "\\n")
    return line
'''


def disguise(source: str) -> str:
    """What a student who copies does: rename every name the program defines, drop and write comments,
    let a formatter respace it (ast.unparse), put the functions in another order, add a function."""
    tree = ast.parse(source)
    kept = set(dir(builtins)) | {"self", "cls"} | {(a.asname or a.name).split(".")[0] for node in ast.walk(tree)
                                                  if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
    defined = {n for node in ast.walk(tree) for n in (
        [node.name] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else
        [node.arg] if isinstance(node, ast.arg) else
        [node.id] if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) else [])} - kept
    new = {name: f"v{i}_{name[::-1]}" for i, name in enumerate(sorted(defined))}
    for node in ast.walk(tree):
        for attr in ("id", "arg", "name"):
            # an imported name (alias) and a keyword argument (target=) are the library's, not the student's
            if isinstance(getattr(node, attr, None), str) and not isinstance(node, (ast.alias, ast.keyword)):
                setattr(node, attr, new.get(getattr(node, attr), getattr(node, attr)))
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = [new.get(n, n) for n in node.names]
    slots = [i for i, s in enumerate(tree.body) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    for i, moved in zip(slots, [tree.body[i] for i in slots][::-1]):
        tree.body[i] = moved
    lines = ast.unparse(tree).split("\n")
    return "\n".join(f"{line}  # step {n}" if n % 5 == 2 else line for n, line in enumerate(lines)) + EXTRA
