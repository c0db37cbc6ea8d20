"""The files the data loaders download, written in their real formats for the tests.

``write_idx`` writes MNIST's IDX format (what torchvision leaves under ``MNIST/raw``) and
``write_concrete_xls`` UCI's ``Concrete_Data.xls`` (its headers, units included); the tests
choose the contents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CONCRETE_HEADERS = [  # UCI's column titles, units included
    "Cement (component 1)(kg in a m^3 mixture)",
    "Blast Furnace Slag (component 2)(kg in a m^3 mixture)",
    "Fly Ash (component 3)(kg in a m^3 mixture)",
    "Water  (component 4)(kg in a m^3 mixture)",
    "Superplasticizer (component 5)(kg in a m^3 mixture)",
    "Coarse Aggregate  (component 6)(kg in a m^3 mixture)",
    "Fine Aggregate (component 7)(kg in a m^3 mixture)",
    "Age (day)",
    "Concrete compressive strength(MPa, megapascals) ",
]


def write_idx(path: Path, array: np.ndarray) -> None:
    """MNIST's IDX format: magic 0x0000 08 ndim, big-endian sizes, then the uint8 data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big")
                                                     for s in array.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_concrete_xls(path: Path, rows) -> None:
    """A spreadsheet with UCI's headers on sheet 1 and ``rows`` (9 numbers each) below them."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for j, name in enumerate(CONCRETE_HEADERS):
        sheet.write(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            sheet.write(i, j, float(value))
    book.save(str(path))
