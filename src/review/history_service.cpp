// History of units: timeline, past versions, blame, contributions (see history_service.hpp).
#include "review/history_service.hpp"

#include <ctime>

#include "review/contribution_report.hpp"
#include "store/unit_store.hpp"
#include "text/coded_error.hpp"

namespace coplan::review {

namespace {
// The start of the UTC period (a day, a quarter hour) holding `ms`; right for times before 1970 too.
std::int64_t period_start_ms(std::int64_t ms, std::int64_t period) { return ms - ((ms % period) + period) % period; }
}  // namespace

std::string history_service::day_of(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

nlohmann::json history_service::quarter_hours(const std::vector<std::int64_t>& times) {
  constexpr std::int64_t quarter_ms = 15 * 60 * 1000;
  auto out = nlohmann::json::array();
  std::int64_t start = 0;
  std::size_t first = 0;  // the first op of the quarter hour being counted, 0 before any
  for (std::size_t i = 0; i < times.size(); ++i) {
    auto s = period_start_ms(times[i], quarter_ms);
    if (first && s != start) {
      out.push_back({start, first, i});
      first = 0;
    }
    if (!first) {
      start = s;
      first = i + 1;
    }
  }
  if (first) out.push_back({start, first, times.size()});
  return out;
}

history_service::history_service(store::store& db, std::shared_ptr<const unit::template_set> templates,
                                 unit::unit_limits limits, std::size_t max_units)
    : db_(db), templates_(std::move(templates)), limits_(limits), max_units_(max_units) {}

std::shared_ptr<const unit::template_spec> history_service::spec_of(const unit_history& h) const {
  auto spec = templates_->find(h.template_id);
  if (!spec) throw std::runtime_error("unknown template " + h.template_id);
  return spec;
}

history_service::unit_history& history_service::refresh(const store::unit_record& unit) {
  auto it = std::find_if(cache_.begin(), cache_.end(), [&](const unit_history& h) { return h.unit_id == unit.id; });
  if (it == cache_.end()) {
    cache_.emplace_front();
    auto& h = cache_.front();
    h.unit_id = unit.id;
    h.template_id = unit.template_id;
    auto db = db_.borrow();
    auto st = db->prepare("SELECT id, ops, upto_op FROM snapshots WHERE unit_id = ? AND keep = 1 ORDER BY ops, id");
    st.bind(1, unit.id);
    while (st.step())
      h.checkpoints.push_back({st.int64(0), static_cast<std::uint64_t>(st.int64(1)), st.int64(2)});
    if (h.checkpoints.empty() || h.checkpoints.front().ops != 0)
      throw std::runtime_error("unit " + unit.public_id + " has no initial snapshot");
    h.initial_upto = h.checkpoints.front().upto_op;
    auto ph = db->prepare("SELECT json_extract(data, '$.structure.values.phase') FROM snapshots WHERE id = ?");
    ph.bind(1, h.checkpoints.front().snapshot_id);
    if (ph.step() && !ph.is_null(0)) h.phase = ph.text(0);
    while (cache_.size() > max_units_) cache_.pop_back();
  } else if (it != cache_.begin()) {
    cache_.splice(cache_.begin(), cache_, it);
  }
  auto& h = cache_.front();
  h.used = std::chrono::steady_clock::now();
  // Bring the op list up to date with what has been committed since: first from the op digests
  // the writer stored with its snapshots (a few rows), then from the op log for any gap before a
  // digest and for the ops after the last one.
  auto db = db_.borrow();
  auto dg = db->prepare("SELECT after_op, ops, first_id, data FROM op_digests WHERE unit_id = ? AND last_id > ? ORDER BY after_op");
  dg.bind(1, unit.id).bind(2, last_read(h));
  while (dg.step()) {
    auto after_op = static_cast<std::size_t>(dg.int64(0));
    if (after_op > h.ops.size()) read_ops(*db, h, dg.int64(2));
    std::vector<store::op_digest::entry> entries;
    try {
      entries = store::op_digest::decode(dg.text(3), static_cast<std::size_t>(dg.int64(1)));
    } catch (const std::runtime_error&) {
      continue;  // a damaged digest: its ops are read from the op log with the next gap or the tail
    }
    // The digest must start where the ops read so far end, or overlap them (ops read from the log
    // before the digest was written); otherwise its ops are left to the op log too.
    std::size_t known = 0;
    while (known < entries.size() && entries[known].id <= last_read(h)) ++known;
    if (after_op + known != h.ops.size()) continue;
    for (auto i = known; i < entries.size(); ++i) add_op(h, entries[i]);
  }
  // A unit whose newest snapshot is marked closed has no op after it (the writer clears the mark
  // with the next op), so the op log is read only up to that snapshot, not to its end.
  std::int64_t tail_end = INT64_MAX;
  auto cl = db->prepare(std::string("SELECT upto_op, closed FROM snapshots WHERE unit_id = ?") + store::newest_snapshot_order +
                        "LIMIT 1");
  cl.bind(1, unit.id);
  if (cl.step() && cl.int64(1) != 0) tail_end = cl.int64(0) + 1;
  read_ops(*db, h, tail_end);
  // Checkpoints written since (kept snapshots) help later jumps.
  auto cp = db->prepare("SELECT id, ops, upto_op FROM snapshots WHERE unit_id = ? AND keep = 1 AND ops > ? ORDER BY ops, id");
  cp.bind(1, unit.id).bind(2, static_cast<std::int64_t>(h.checkpoints.back().ops));
  while (cp.step()) h.checkpoints.push_back({cp.int64(0), static_cast<std::uint64_t>(cp.int64(1)), cp.int64(2)});
  return h;
}

std::int64_t history_service::last_read(const unit_history& h) { return h.ops.empty() ? h.initial_upto : h.ops.back().id; }

void history_service::add_op(unit_history& h, const store::op_digest::entry& e) {
  h.ops.push_back({e.id, e.time, e.author, e.kind});
  if (e.payload.empty()) return;
  auto cmd = nlohmann::json::parse(e.payload, nullptr, false);
  if (!cmd.is_object() || cmd.value("op", "") != "set" || cmd.value("block", "") != "unit" || cmd.value("field", "") != "phase")
    return;
  auto to = cmd.value("value", nlohmann::json());
  if (to == h.phase) return;
  h.phases.push_back({h.ops.size(), e.time, e.author, h.phase, to});
  h.phase = std::move(to);
}

void history_service::read_ops(store::database& db, unit_history& h, std::int64_t before_id) {
  // The payload only of structure commands that may set the phase (op_digest::keeps_payload).
  auto st = db.prepare(
      "SELECT id, time, author, kind, CASE WHEN kind = 1 AND instr(payload, '\"phase\"') > 0 THEN payload END "
      "FROM oplog WHERE id > ? AND id < ? AND unit_id = ? ORDER BY id");
  st.bind(1, last_read(h)).bind(2, before_id).bind(3, h.unit_id);
  while (st.step())
    add_op(h, {st.int64(0), st.int64(1), static_cast<std::uint32_t>(st.int64(2)), static_cast<int>(st.int64(3)),
               st.is_null(4) ? std::string() : st.text(4)});
}

std::vector<store::op_row> history_service::rows_between(std::int64_t unit_id, std::int64_t after_id, std::int64_t upto_id) {
  auto db = db_.borrow();
  auto st = db->prepare(
      "SELECT id, unit_id, kind, stream, version, author, client_id, client_seq, time, payload FROM oplog "
      "WHERE id > ? AND id <= ? AND unit_id = ? ORDER BY id");
  st.bind(1, after_id).bind(2, upto_id).bind(3, unit_id);
  std::vector<store::op_row> out;
  while (st.step())
    out.push_back({st.int64(0), st.int64(1), static_cast<int>(st.int64(2)), st.text(3),
                   static_cast<std::uint64_t>(st.int64(4)), static_cast<std::uint32_t>(st.int64(5)), st.text(6),
                   static_cast<std::uint64_t>(st.int64(7)), st.int64(8), st.text(9)});
  return out;
}

nlohmann::json history_service::snapshot_data(std::int64_t snapshot_id) {
  auto db = db_.borrow();
  auto st = db->prepare("SELECT data FROM snapshots WHERE id = ?");
  st.bind(1, snapshot_id);
  if (!st.step()) throw std::runtime_error("snapshot vanished");
  return nlohmann::json::parse(st.text(0));
}

void history_service::advance(const unit_history& h, history_replay& r, std::uint64_t op) {
  auto from = r.ops();
  if (from >= op) return;
  auto after = from == 0 ? h.initial_upto : h.ops[from - 1].id;
  for (const auto& row : rows_between(h.unit_id, after, h.ops[op - 1].id)) r.apply(row);
}

history_replay& history_service::full_replay(unit_history& h) {
  if (!h.full) h.full = std::make_unique<history_replay>(spec_of(h), limits_, snapshot_data(h.checkpoints.front().snapshot_id), true);
  advance(h, *h.full, h.ops.size());
  return *h.full;
}

history_replay& history_service::record_to(unit_history& h, std::uint64_t op) {
  if (op > h.ops.size())
    throw coded_error("bad_version", "the unit has " + std::to_string(h.ops.size()) + " ops, not " + std::to_string(op));
  // The record (blame, counts) only builds up from the start: move the full replay forward when it
  // is not past `op` yet (it goes there anyway), else a replay of its own, from the start when it
  // is past `op`.
  if (h.full && h.full->ops() <= op) {
    advance(h, *h.full, op);
    return *h.full;
  }
  if (!h.past_record || h.past_record->ops() > op)
    h.past_record = std::make_unique<history_replay>(spec_of(h), limits_, snapshot_data(h.checkpoints.front().snapshot_id), true);
  advance(h, *h.past_record, op);
  return *h.past_record;
}

history_replay& history_service::replay_to(unit_history& h, std::uint64_t op) {
  if (op > h.ops.size())
    throw coded_error("bad_version", "the unit has " + std::to_string(h.ops.size()) + " ops, not " + std::to_string(op));
  // Start from the cursor when it is on the way, else from the nearest checkpoint at or before `op`.
  const checkpoint* best = &h.checkpoints.front();
  for (const auto& c : h.checkpoints)
    if (c.ops <= op && c.ops >= best->ops) best = &c;
  if (!h.cursor || h.cursor->ops() > op || h.cursor->ops() < best->ops)
    h.cursor = std::make_unique<history_replay>(spec_of(h), limits_, snapshot_data(best->snapshot_id), false);
  advance(h, *h.cursor, op);
  return *h.cursor;
}

nlohmann::json history_service::op_json(const unit_history& h, std::uint64_t op) const {
  const auto& m = h.ops[op - 1];
  return {{"time", m.time}, {"author", m.author}, {"kind", m.kind == 0 ? "text" : "structure"}};
}

std::size_t history_service::op_count(const store::unit_record& unit) {
  std::lock_guard lock(mutex_);
  return refresh(unit).ops.size();
}

nlohmann::json history_service::timeline(const store::unit_record& unit) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  // Group ops by UTC day with plain counters (this loop sees every op of the unit).
  struct day_range {
    std::int64_t start_ms;
    std::size_t first, last;
    std::map<std::uint32_t, std::size_t> by_user;
  };
  std::vector<day_range> ranges;
  std::vector<std::int64_t> times;
  times.reserve(h.ops.size());
  constexpr std::int64_t day_ms = 24 * 3600 * 1000;
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    times.push_back(h.ops[i].time);
    auto start = period_start_ms(h.ops[i].time, day_ms);
    if (ranges.empty() || ranges.back().start_ms != start) ranges.push_back({start, i + 1, i + 1, {}});
    auto& d = ranges.back();
    d.last = i + 1;
    ++d.by_user[h.ops[i].author];
  }
  auto days = nlohmann::json::array();
  for (const auto& d : ranges) {
    nlohmann::json by = nlohmann::json::object();
    for (const auto& [u, n] : d.by_user) by[std::to_string(u)] = n;
    days.push_back({{"day", day_of(d.start_ms)}, {"first", d.first}, {"last", d.last}, {"byUser", std::move(by)}});
  }
  auto cps = nlohmann::json::array();
  for (const auto& c : h.checkpoints) cps.push_back(c.ops);
  auto phases = nlohmann::json::array();
  for (const auto& p : h.phases)
    phases.push_back({{"op", p.op}, {"time", p.time}, {"author", p.author}, {"from", p.from}, {"to", p.to}});
  return {{"ops", h.ops.size()},
          {"firstTime", h.ops.empty() ? 0 : h.ops.front().time},
          {"lastTime", h.ops.empty() ? 0 : h.ops.back().time},
          {"days", std::move(days)},
          {"slots", quarter_hours(times)},
          {"checkpoints", std::move(cps)},
          {"phases", std::move(phases)}};
}

nlohmann::json history_service::state_at(const store::unit_record& unit, std::uint64_t op) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  auto& r = replay_to(h, op);
  auto j = r.doc().to_json();
  j.erase("template");
  j["op"] = op;
  j["ops"] = h.ops.size();
  if (op > 0) j["at"] = op_json(h, op);
  return j;
}

std::optional<std::string> history_service::text_at(const store::unit_record& unit, std::uint64_t op,
                                                    const std::string& stream) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  const auto* s = replay_to(h, op).doc().find_stream(stream);
  if (!s) return std::nullopt;
  return s->text.to_utf8();
}

std::optional<nlohmann::json> history_service::value_at(const store::unit_record& unit, std::uint64_t op,
                                                       const std::string& block, const std::string& field) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  const auto& doc = replay_to(h, op).doc();
  const std::map<std::string, nlohmann::json>* values = &doc.unit_values();
  if (block != "unit") {
    const auto* b = doc.find_block(block);
    if (!b) return std::nullopt;
    values = &b->values;
  }
  auto it = values->find(field);
  return it == values->end() ? nlohmann::json(nullptr) : it->second;
}

nlohmann::json history_service::blame(const store::unit_record& unit) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  auto& r = full_replay(h);
  nlohmann::json streams = nlohmann::json::object();
  for (const auto& [id, spans] : r.blame()) {
    const auto* s = r.doc().find_stream(id);
    if (!s || s->text.size() == 0) continue;
    streams[id] = {{"version", s->version}, {"spans", history_replay::blame_json(spans)}};
  }
  return {{"ops", r.ops()}, {"streams", std::move(streams)}};
}

nlohmann::json history_service::contributions(const store::unit_record& unit, const std::vector<unit::member_info>& members,
                                              const nlohmann::json& expertise, std::optional<std::uint64_t> op) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  auto& r = op ? record_to(h, *op) : full_replay(h);
  auto report = contribution_report::compute(r, members, expertise);
  report["latest"] = h.ops.size();
  if (r.ops() > 0) report["at"] = op_json(h, r.ops());
  return report;
}

nlohmann::json history_service::current_structure(const store::unit_record& unit) {
  std::lock_guard lock(mutex_);
  auto& h = refresh(unit);
  return full_replay(h).doc().structure_json();
}

}  // namespace coplan::review
