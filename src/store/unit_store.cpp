// Reading units back from SQLite (see unit_store.hpp).
#include "store/unit_store.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace coplan::store {

namespace {

constexpr const char* op_columns = "id, unit_id, kind, stream, version, author, client_id, client_seq, time, payload";

op_row row_of(const statement& st) {
  op_row r;
  r.id = st.int64(0);
  r.unit_id = st.int64(1);
  r.kind = static_cast<int>(st.int64(2));
  r.stream = st.text(3);
  r.version = static_cast<std::uint64_t>(st.int64(4));
  r.author = static_cast<std::uint32_t>(st.int64(5));
  r.client_id = st.text(6);
  r.client_seq = static_cast<std::uint64_t>(st.int64(7));
  r.time = st.int64(8);
  r.payload = st.text(9);
  return r;
}

}  // namespace

loaded_unit unit_store::load(std::int64_t unit_id) {
  auto db = store_.borrow();
  loaded_unit out;
  {
    auto st = db->prepare(std::string("SELECT data, upto_op, ops, closed FROM snapshots WHERE unit_id = ?") +
                          newest_snapshot_order + "LIMIT 1");
    st.bind(1, unit_id);
    if (!st.step()) throw std::runtime_error("unit " + std::to_string(unit_id) + " has no snapshot");
    out.snapshot = st.text(0);
    out.upto_op = st.int64(1);
    out.ops = static_cast<std::uint64_t>(st.int64(2));
    out.closed = st.int64(3) != 0;
  }
  // The unit closed cleanly after this snapshot and no op has followed (the writer clears the mark
  // with the next op): nothing to scan the op log for.
  if (out.closed) return out;
  auto st = db->prepare(std::string("SELECT ") + op_columns + " FROM oplog WHERE id > ? AND unit_id = ? ORDER BY id");
  st.bind(1, out.upto_op).bind(2, unit_id);
  while (st.step()) out.tail.push_back(row_of(st));
  return out;
}

std::vector<op_row> unit_store::text_ops_between(std::int64_t unit_id, const std::string& stream,
                                                 std::uint64_t from, std::uint64_t to) {
  std::vector<op_row> out;
  if (from >= to) return out;
  auto db = store_.borrow();
  // Op log ids (lo, hi] that hold every wanted op. A snapshot whose version of the stream is v
  // holds exactly the stream's ops below v, so the ops at `from` and after come after the upto_op
  // of one with v <= from, and those below `to` are at or before the upto_op of one with v >= to.
  // A stream missing from a snapshot (its block was added later) had no op yet: version 0.
  // When the snapshots cannot be read for this (json_extract fails on a damaged one that is not
  // valid JSON), the whole log is read: slower, never wrong. An error that persists fails that too.
  std::int64_t lo = 0, hi = INT64_MAX;
  if (stream.find_first_of("\"\\") == std::string::npos) {
    try {
      auto snaps = db->prepare(
          "SELECT upto_op, coalesce(json_extract(data, ?), 0) FROM snapshots WHERE unit_id = ? ORDER BY id DESC");
      snaps.bind(1, "$.streams.\"" + stream + "\".version").bind(2, unit_id);
      while (snaps.step()) {
        auto upto = snaps.int64(0);
        auto v = static_cast<std::uint64_t>(snaps.int64(1));
        if (v >= to) hi = std::min(hi, upto);
        if (v <= from) {
          lo = upto;
          break;
        }
      }
    } catch (const std::runtime_error&) {
      lo = 0;
      hi = INT64_MAX;
    }
  }
  auto st = db->prepare(std::string("SELECT ") + op_columns +
                        " FROM oplog WHERE id > ? AND id <= ? AND unit_id = ? AND kind = 0 AND stream = ? AND version >= ? "
                        "AND version < ? ORDER BY id");
  st.bind(1, lo).bind(2, hi).bind(3, unit_id).bind(4, stream).bind(5, static_cast<std::int64_t>(from));
  st.bind(6, static_cast<std::int64_t>(std::min<std::uint64_t>(to, INT64_MAX)));
  while (st.step()) out.push_back(row_of(st));
  return out;
}

std::vector<op_row> unit_store::all_ops(std::int64_t unit_id, std::int64_t after_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + op_columns + " FROM oplog WHERE id > ? AND unit_id = ? ORDER BY id");
  st.bind(1, after_id).bind(2, unit_id);
  std::vector<op_row> out;
  while (st.step()) out.push_back(row_of(st));
  return out;
}

}  // namespace coplan::store
