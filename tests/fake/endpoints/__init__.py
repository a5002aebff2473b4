"""The fake's endpoints beyond chat and models, one module each; importing this package registers them."""

# To add an endpoint: a module here whose handlers carry @route(r"^/v1/...$", "POST") from
# tests.fake.routes, conformant by default; its deviations go in tests/fake/deviations/area_<endpoint>.py
# (new hook points with tests.fake.registry.add_point).

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")
