"""The range-read cache behind lazy opens: a run of missing blocks is one request, sequential
reads read further ahead each time, scattered reads stay small, and a short file is caught."""

from __future__ import annotations

import pytest

from astrobench.io import BLOCK_SIZE, MAX_READ_AHEAD, RunCache

SIZE = 40 * BLOCK_SIZE + 123
DATA = bytes(i % 251 for i in range(SIZE))


def _cache() -> tuple[RunCache, list[tuple[int, int]]]:
    asked: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        asked.append((start, end))
        return DATA[start:end]

    return RunCache(BLOCK_SIZE, fetch, SIZE), asked


def test_reads_return_the_bytes_asked() -> None:
    cache, _ = _cache()
    for start, end in [(0, 10), (BLOCK_SIZE - 5, BLOCK_SIZE + 5), (SIZE - 50, SIZE + 10), (7, 7)]:
        assert cache._fetch(start, end) == DATA[start:end]


def test_a_sequential_read_reads_ahead_in_few_requests() -> None:
    cache, asked = _cache()
    step = BLOCK_SIZE // 2
    out = b"".join(cache._fetch(i, i + step) for i in range(0, SIZE, step))
    assert out == DATA
    assert len(asked) <= 5, asked  # 1, 8, 16, then the rest, not 41 requests
    assert max(end - start for start, end in asked) <= MAX_READ_AHEAD


def test_a_scattered_read_fetches_its_block_and_neighbours_only() -> None:
    cache, asked = _cache()
    middle = 20 * BLOCK_SIZE + 100
    assert cache._fetch(middle, middle + 10) == DATA[middle : middle + 10]
    assert asked == [(19 * BLOCK_SIZE, 22 * BLOCK_SIZE)]
    assert cache._fetch(middle + 20, middle + 30) == DATA[middle + 20 : middle + 30]
    assert len(asked) == 1  # held


def test_a_large_read_of_missing_blocks_is_one_request() -> None:
    cache, asked = _cache()
    cache._fetch(3 * BLOCK_SIZE, 4 * BLOCK_SIZE)  # blocks 2-4 now held
    asked.clear()
    assert cache._fetch(0, 12 * BLOCK_SIZE) == DATA[: 12 * BLOCK_SIZE]
    # two runs, and nothing beyond: a read of several blocks is a chunk, not metadata
    assert asked == [(0, 2 * BLOCK_SIZE), (5 * BLOCK_SIZE, 12 * BLOCK_SIZE)]


def test_a_location_with_a_shorter_file_fails_the_read() -> None:
    cache = RunCache(BLOCK_SIZE, lambda start, end: DATA[start : min(end, 1000)], SIZE)
    with pytest.raises(OSError, match="served"):
        cache._fetch(0, 2000)
