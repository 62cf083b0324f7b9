from tests.declarations.conftest import reviewer, traveller  # noqa: F401 - fixtures of the declarations demo tests
