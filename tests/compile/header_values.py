#!/usr/bin/env python3
"""Check libsspi's public constants against the Windows SDK values.

The reference is mingw-w64's copy of the Windows SDK headers. Every #define
with one of PREFIXES found there must exist in libsspi's <sspi.h> with the
same numeric value. The mingw expression is expanded with mingw's own
definitions (never ours) and rewritten to compile on Linux; the comparison
is done by the C compiler with _Static_assert, so C's integer semantics
(e.g. SECURITY_STATUS being a 32-bit signed LONG) are respected.

usage: header_values.py MINGW_INCLUDE_DIR LIBSSPI_INCLUDE_DIR WORK_DIR [CC]
exit: 0 ok, 1 mismatch or missing names, 77 mingw headers absent.
"""
import os
import re
import subprocess
import sys

PREFIXES = (
    "SEC_E_", "SEC_I_", "ISC_REQ_", "ISC_RET_", "ASC_REQ_", "ASC_RET_",
    "SECPKG_ATTR_", "SECPKG_CRED_", "SECPKG_FLAG_", "SECBUFFER_",
    "SECURITY_NATIVE_DREP", "SECURITY_NETWORK_DREP", "SEC_WINNT_AUTH_IDENTITY_",
    "SECPKG_NEGOTIATION_", "SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION",
    "SECQOP_", "SECPKG_CONTEXT_EXPORT_", "SECPKG_ID_", "SEC_CHANNEL_BINDINGS_",
    "KERB_WRAP_NO_ENCRYPT",
)

# (file, prefixes taken from it). Schannel's SECPKG_ATTR_* (schannel.h) are
# out of scope; ntsecpkg.h contributes only its SECBUFFER_* attribute bits.
SOURCES = (
    ("sspi.h", PREFIXES),
    ("security.h", PREFIXES),
    ("issperr.h", PREFIXES),
    ("winerror.h", ("SEC_E_", "SEC_I_")),
    ("ntsecpkg.h", ("SECBUFFER_",)),
)

DEFINE_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$")
IDENT_RE = re.compile(r"\b[A-Za-z_]\w*\b")
CAST_RE = re.compile(r"\(\s*(HRESULT|SECURITY_STATUS|LONG|ULONG|DWORD|NTSTATUS|"
                     r"unsigned\s+__LONG32|__LONG32|ULONG_PTR)\s*\)")
NUMERIC_RE = re.compile(r"^[\s()0-9A-Fa-fxXuUlL|&~<>+\-*]*$")


def logical_lines(text):
    buf = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        yield buf + line
        buf = ""
    if buf:
        yield buf


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse_defines(path):
    """All object-like #defines of a file: name -> replacement text."""
    out = {}
    with open(path, encoding="latin-1") as f:
        text = strip_comments(f.read())
    for line in logical_lines(text):
        m = DEFINE_RE.match(line)
        if m and not m.group(2):
            out.setdefault(m.group(1), m.group(3).strip())
    return out


def expand(expr, table, depth=0):
    """Expand identifiers with mingw's own macros; None if not numeric."""
    if depth > 20:
        return None
    expr = expr.replace("_HRESULT_TYPEDEF_", "MINGW_HRESULT_TYPEDEF")
    expr = CAST_RE.sub("(int32_t)", expr)

    def repl(m):
        name = m.group(0)
        if name in ("MINGW_HRESULT_TYPEDEF", "int32_t"):
            return name
        if name in table:
            sub = expand(table[name], table, depth + 1)
            if sub is None:
                raise ValueError(name)
            return "(" + sub + ")"
        if re.match(r"^0[xX][0-9A-Fa-f]+[uUlL]*$|^[0-9]+[uUlL]*$", name):
            return name
        raise ValueError(name)

    try:
        # Hex literals like 0x8009030C are not identifiers for \b[A-Za-z_]
        # but "x8009030C" parts could be; protect numbers first.
        parts = re.split(r"(\b0[xX][0-9A-Fa-f]+[uUlL]*\b|\b[0-9]+[uUlL]*\b)", expr)
        res = []
        for i, p in enumerate(parts):
            res.append(p if i % 2 else IDENT_RE.sub(repl, p))
        expr = "".join(res)
    except ValueError:
        return None
    check = expr.replace("MINGW_HRESULT_TYPEDEF", "").replace("(int32_t)", "")
    if not check.strip() or not NUMERIC_RE.match(check):
        return None
    return expr


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    mingw, ours, work = sys.argv[1:4]
    cc = sys.argv[4] if len(sys.argv) > 4 else os.environ.get("CC", "cc")
    if not os.path.isdir(mingw) or not os.path.exists(os.path.join(mingw, "sspi.h")):
        print("SKIP: mingw-w64 headers not found in", mingw)
        return 77
    os.makedirs(work, exist_ok=True)

    table = {}
    wanted = {}
    for fname, prefixes in SOURCES:
        path = os.path.join(mingw, fname)
        if not os.path.exists(path):
            continue
        defs = parse_defines(path)
        for k, v in defs.items():
            table.setdefault(k, v)
        for k, v in defs.items():
            if k.startswith(prefixes) and k not in wanted:
                wanted[k] = (fname, v)

    checks = {}
    skipped = []
    for name, (fname, raw) in sorted(wanted.items()):
        expr = expand(raw, table)
        if expr is None:
            skipped.append((name, raw))
            continue
        checks[name] = expr

    prelude = ("#include <stdint.h>\n#define SECURITY_WIN32\n#include <security.h>\n"
               "#define MINGW_HRESULT_TYPEDEF(x) ((int32_t)(x))\n")

    # Pass 1: which names are missing from libsspi (preprocessor only).
    probe = os.path.join(work, "header_values_probe.c")
    with open(probe, "w") as f:
        f.write(prelude)
        for name in checks:
            f.write("#ifndef %s\nLIBSSPI_MISSING %s\n#endif\n" % (name, name))
    pp = subprocess.run([cc, "-E", "-P", "-I", ours, probe], capture_output=True, text=True)
    if pp.returncode != 0:
        print(pp.stderr)
        print("FAIL: could not preprocess libsspi headers")
        return 1
    missing = sorted(set(re.findall(r"LIBSSPI_MISSING\s+(\w+)", pp.stdout)))

    # Pass 2: compare values of the names we define.
    src = os.path.join(work, "header_values_check.c")
    with open(src, "w") as f:
        f.write(prelude)
        for name, expr in checks.items():
            if name in missing:
                continue
            f.write('_Static_assert((long long)(%s) == (long long)(%s), '
                    '"value of %s differs from the Windows SDK");\n' % (name, expr, name))
        f.write("int header_values_dummy;\n")
    ver = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    unlimited = "-ferror-limit=0" if "clang" in ver else "-fmax-errors=0"
    comp = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
                           unlimited, "-I", ours, "-c", src, "-o",
                           os.path.join(work, "header_values_check.o")],
                          capture_output=True, text=True)
    differ = sorted(set(re.findall(r"value of (\w+) differs", comp.stderr)))

    ok = True
    if missing:
        ok = False
        print("FAIL: %d Windows SDK constants missing from libsspi:" % len(missing))
        for n in missing:
            print("   ", n, "=", wanted[n][1], "(" + wanted[n][0] + ")")
    if comp.returncode != 0:
        ok = False
        if differ:
            print("FAIL: %d constants differ from the Windows SDK:" % len(differ))
            for n in differ:
                print("   ", n, "expected", wanted[n][1])
        else:
            print(comp.stderr)
            print("FAIL: value check did not compile")
    if skipped:
        print("note: %d non-numeric mingw definitions not compared: %s"
              % (len(skipped), ", ".join(n for n, _ in skipped)))
    checked = len(checks) - len(missing)
    print("checked %d constants against mingw-w64 (%s)" % (checked, mingw))
    if ok:
        print("PASS")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
