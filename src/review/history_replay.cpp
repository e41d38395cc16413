// Replaying the op log with blame and counts (see history_replay.hpp).
#include "review/history_replay.hpp"

#include <algorithm>

namespace coplan::review {

namespace {

constexpr std::int64_t merge_window_ms = 60 * 60 * 1000;  // one span per author per hour of typing

// Splits spans so that a boundary falls at `pos`; returns the index of the span starting there.
std::size_t split_at(std::vector<blame_span>& spans, std::uint64_t pos) {
  std::size_t i = 0;
  while (i < spans.size() && pos >= spans[i].length) {
    pos -= spans[i].length;
    ++i;
  }
  if (pos == 0 || i == spans.size()) return i;
  blame_span tail = spans[i];
  tail.length = static_cast<std::uint32_t>(spans[i].length - pos);
  spans[i].length = static_cast<std::uint32_t>(pos);
  spans.insert(spans.begin() + static_cast<std::ptrdiff_t>(i) + 1, tail);
  return i + 1;
}

void merge_all(std::vector<blame_span>& spans) {
  std::vector<blame_span> out;
  out.reserve(spans.size());
  for (const auto& s : spans) {
    if (!s.length) continue;
    if (!out.empty()) {
      auto& b = out.back();
      if (b.author == s.author && b.revised_by == s.revised_by && std::abs(b.time - s.time) <= merge_window_ms) {
        b.length += s.length;
        b.time = std::min(b.time, s.time);
        continue;
      }
    }
    out.push_back(s);
  }
  spans = std::move(out);
}

}  // namespace

history_replay::history_replay(std::shared_ptr<const unit::template_spec> spec, unit::unit_limits limits,
                               const nlohmann::json& snapshot, bool with_record)
    : doc_(unit::unit_doc::from_json(std::move(spec), limits, snapshot)), with_record_(with_record) {
  if (!with_record_) return;
  for (const auto& [id, s] : doc_.streams()) {
    auto& spans = blame_[id];
    for (const auto& r : s.authors.runs()) spans.push_back({r.length, r.author, 0, 0});
  }
}

void history_replay::apply(const store::op_row& row) {
  last_time_ = row.time;
  if (row.kind == 0) {
    auto changes = text::change_set::from_json(nlohmann::json::parse(row.payload), INT64_MAX / 4, INT64_MAX / 4);
    if (with_record_) record_text(row.stream, changes, row.author, row.time);
    std::vector<unit::incoming_update> one(1);
    one[0].client_id = row.client_id;
    one[0].seq = row.client_seq;
    one[0].changes = std::move(changes);
    one[0].changes_json = row.payload;
    std::vector<std::shared_ptr<const unit::text_update>> accepted;
    if (doc_.push(row.stream, row.version, std::move(one), row.author, row.time, accepted) !=
        unit::unit_doc::push_outcome::applied)
      throw std::runtime_error("history: op " + std::to_string(row.id) + " is out of order");
  } else {
    if (row.version != doc_.structure_version())
      throw std::runtime_error("history: structure op " + std::to_string(row.id) + " is out of order");
    doc_.apply(unit::command::from_json(nlohmann::json::parse(row.payload)), row.client_id, row.client_seq, row.author,
               row.time);
    if (with_record_) ++commands_[row.author];
  }
}

void history_replay::record_text(const std::string& stream, const text::change_set& changes, std::uint32_t author,
                                 std::int64_t time) {
  auto& spans = blame_[stream];
  auto& mine = counts_[stream][author];
  ++mine.edits;
  bool revised_other = false;
  const auto& s = changes.sections();
  std::uint64_t pos = 0;  // position in the document being rewritten
  for (std::size_t i = 0; i < s.size(); i += 2) {
    auto len = static_cast<std::uint64_t>(s[i]);
    if (s[i + 1] < 0) {
      pos += len;
      continue;
    }
    auto ins = static_cast<std::uint64_t>(s[i + 1]);
    // Who owned what this change removes, and whose text it lands inside.
    std::size_t first = split_at(spans, pos);
    std::size_t last = split_at(spans, pos + len);
    std::uint32_t left = first > 0 ? spans[first - 1].author : 0;
    std::uint32_t right = last < spans.size() ? spans[last].author : 0;
    bool inside_other = len == 0 && left && left == right && left != author;
    for (std::size_t k = first; k < last; ++k) {
      if (spans[k].author == author) mine.deleted_own += spans[k].length;
      else {
        mine.deleted_others += spans[k].length;
        revised_other = true;
      }
    }
    // What remains of someone else's text that this change cut into, or landed inside, becomes
    // shared work: written by one partner, revised by the other.
    std::vector<std::uint32_t> cut;
    for (std::size_t k = first; k < last; ++k)
      if (spans[k].author != author) cut.push_back(spans[k].author);
    if (inside_other) cut.push_back(left);
    auto mark = [&](std::size_t k) {
      if (k < spans.size() && spans[k].author && std::find(cut.begin(), cut.end(), spans[k].author) != cut.end())
        spans[k].revised_by = author;
    };
    if (!cut.empty()) {
      if (first > 0) mark(first - 1);
      mark(last);
    }
    if (inside_other) revised_other = true;
    spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(first), spans.begin() + static_cast<std::ptrdiff_t>(last));
    if (ins) spans.insert(spans.begin() + static_cast<std::ptrdiff_t>(first), blame_span{static_cast<std::uint32_t>(ins), author, time, 0});
    mine.typed += ins;
    pos += ins;
  }
  if (revised_other) ++mine.revisions_of_others;
  merge_all(spans);
}

nlohmann::json history_replay::blame_json(const std::vector<blame_span>& spans) {
  auto out = nlohmann::json::array();
  for (const auto& s : spans) out.push_back({s.length, s.author, s.time, s.revised_by});
  return out;
}

}  // namespace coplan::review
