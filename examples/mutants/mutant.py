#!/usr/bin/python3
"""A client with one known bug, for proving that the conformance harness catches it.

    mutant.py <mutant-name> <action> <target>     exec contract v1, as examples/python/client.py
    mutant.py --list                              the mutant names, one per line
    mutant.py --changed <mutant-name>             what the mutant replaces in client.py, one name a line

Loads the correct example client (../python/client.py, by path, never a copy), lets the named mutant of
mutants.py replace the function(s) its bug lives in, and runs the client's main. catalog.json says, for
every mutant, which bug it reproduces, where that bug comes from, and which scenarios and checks of the
harness must catch it.

Exit codes are the client's (0, 1, 3 for an unsupported action; a mutant that reproduces a Go panic
exits 2), plus 2 for bad arguments here and 125 when the mutant cannot be applied to this client.py.
"""
import importlib.util
import os
import sys

# Loading client.py and mutants.py as modules must not leave __pycache__ directories in the repository.
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_PATH = os.path.join(os.path.dirname(HERE), "python", "client.py")


def load(module_name, path):
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # inspect.getsource needs to find the module of a function
    spec.loader.exec_module(module)
    return module


def bindings(client):
    """Every name of client.py a mutant could replace: module globals and the methods of its classes
    (ACTIONS is left out: its entries follow the functions they were made from)."""
    out = {}
    for name, value in vars(client).items():
        if name.startswith("__") or name == "ACTIONS":
            continue
        out[name] = value
        if isinstance(value, type) and value.__module__ == client.__name__:
            for attr, member in vars(value).items():
                if attr == "__init__" or not attr.startswith("__"):
                    out[name + "." + attr] = member
    return out


def changed_by(apply):
    client = load("oac_example_client", CLIENT_PATH)
    before = bindings(client)
    apply(client)
    after = bindings(client)
    return sorted(name for name in set(before) | set(after) if before.get(name) is not after.get(name))


def main(argv):
    mutants = load("oac_mutants", os.path.join(HERE, "mutants.py"))
    if argv[1:] == ["--list"]:
        sys.stdout.write("".join(name + "\n" for name in mutants.MUTANTS))
        return 0
    if len(argv) == 3 and argv[1] == "--changed" and argv[2] in mutants.MUTANTS:
        sys.stdout.write("".join(name + "\n" for name in changed_by(mutants.MUTANTS[argv[2]])))
        return 0
    if len(argv) != 4:
        sys.stderr.write("usage: mutant.py <mutant-name> <action> <target>  (or --list, --changed <mutant-name>)\n")
        return 2
    name, action, target = argv[1], argv[2], argv[3]
    apply = mutants.MUTANTS.get(name)
    if apply is None:
        sys.stderr.write("unknown mutant %r (known: %s)\n" % (name, ", ".join(sorted(mutants.MUTANTS))))
        return 2
    client = load("oac_example_client", CLIENT_PATH)
    try:
        apply(client)
    except mutants.MutantError as e:
        sys.stderr.write("mutant %s cannot be applied: %s\n" % (name, e))
        return mutants.CANNOT_APPLY_EXIT
    return client.main([CLIENT_PATH, action, target])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
