"""vic.vc.codegen: generated source compiled into a function, with its values as globals."""

from __future__ import annotations

from vic.vc.codegen import GeneratedSource


def test_a_generated_function_reads_its_constants_from_globals() -> None:
    source = GeneratedSource({"_len": len})
    text = source.const("a'b\"c")
    source.line(0, "def f(x):")
    source.line(1, f"{(v := source.var())} = _len(x)")
    source.line(1, f"return {text}, {v}")
    function = source.define("f", "<test>")
    assert function([1, 2]) == ("a'b\"c", 2)
    assert "a'b" not in "\n".join(source.lines)  # the value is a name in the text, never its text
    assert function.__code__.co_filename == "<test>"


def test_each_definition_has_its_own_namespace() -> None:
    source = GeneratedSource({})
    source.line(0, "def g():")
    source.line(1, "return 1")
    first, second = source.define("g", "<one>"), source.define("g", "<two>")
    assert first is not second
    assert first.__globals__ is not second.__globals__
    assert "g" not in source.names  # defining leaves the generator's names as they were
