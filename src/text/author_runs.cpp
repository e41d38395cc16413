// Run-length authorship maintenance (see author_runs.hpp).
#include "text/author_runs.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "text/change_set.hpp"
#include <stdexcept>

namespace coplan::text {

author_runs::author_runs(std::vector<author_run> runs) : runs_(std::move(runs)) {
  std::vector<author_run> merged;
  for (const auto& r : runs_) {
    if (!r.length) continue;
    if (!merged.empty() && merged.back().author == r.author) merged.back().length += r.length;
    else merged.push_back(r);
  }
  runs_ = std::move(merged);
}

std::size_t author_runs::find(std::uint64_t pos, std::uint64_t& offset) const {
  std::size_t i = 0;
  while (i < runs_.size() && pos >= runs_[i].length) {
    pos -= runs_[i].length;
    ++i;
  }
  offset = pos;
  return i;
}

void author_runs::insert(std::uint64_t pos, std::uint64_t length, std::uint32_t author) {
  if (!length) return;
  std::uint64_t off;
  std::size_t i = find(pos, off);
  auto len32 = static_cast<std::uint32_t>(length);
  if (off == 0) {
    // At a run boundary: extend the previous run when it is the same author.
    if (i > 0 && runs_[i - 1].author == author) runs_[i - 1].length += len32;
    else if (i < runs_.size() && runs_[i].author == author) runs_[i].length += len32;
    else runs_.insert(runs_.begin() + static_cast<std::ptrdiff_t>(i), {len32, author});
    return;
  }
  auto& r = runs_[i];
  if (r.author == author) {
    r.length += len32;
    return;
  }
  author_run tail{static_cast<std::uint32_t>(r.length - off), r.author};
  r.length = static_cast<std::uint32_t>(off);
  runs_.insert(runs_.begin() + static_cast<std::ptrdiff_t>(i) + 1, {{len32, author}, tail});
}

void author_runs::erase(std::uint64_t pos, std::uint64_t length) {
  if (!length) return;
  std::uint64_t off;
  std::size_t i = find(pos, off);
  std::size_t first = i;
  while (length && i < runs_.size()) {
    std::uint64_t avail = runs_[i].length - off;
    std::uint64_t take = length < avail ? length : avail;
    runs_[i].length -= static_cast<std::uint32_t>(take);
    length -= take;
    off = 0;
    ++i;
  }
  // Drop the emptied runs in [first, i), then merge same-author neighbours around the cut.
  std::size_t w = first;
  for (std::size_t k = first; k < i; ++k)
    if (runs_[k].length) runs_[w++] = runs_[k];
  runs_.erase(runs_.begin() + static_cast<std::ptrdiff_t>(w), runs_.begin() + static_cast<std::ptrdiff_t>(i));
  if (runs_.empty()) return;
  std::size_t lo = first > 0 ? first - 1 : 0;
  std::size_t hi = std::min(w + 1, runs_.size());
  std::size_t out = lo;
  for (std::size_t k = lo + 1; k < hi; ++k) {
    if (runs_[out].author == runs_[k].author) runs_[out].length += runs_[k].length;
    else runs_[++out] = runs_[k];
  }
  runs_.erase(runs_.begin() + static_cast<std::ptrdiff_t>(out) + 1, runs_.begin() + static_cast<std::ptrdiff_t>(hi));
}

void author_runs::apply(const change_set& changes, std::uint32_t author) {
  const auto& s = changes.sections();
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    auto len = static_cast<std::uint64_t>(s[i]);
    if (s[i + 1] < 0) {
      pos += len;
      continue;
    }
    erase(pos, len);
    auto ins = static_cast<std::uint64_t>(s[i + 1]);
    insert(pos, ins, author);
    pos += ins;
  }
}

std::uint64_t author_runs::total() const {
  std::uint64_t t = 0;
  for (const auto& r : runs_) t += r.length;
  return t;
}

std::uint64_t author_runs::length_by(std::uint32_t author) const {
  std::uint64_t t = 0;
  for (const auto& r : runs_)
    if (r.author == author) t += r.length;
  return t;
}

nlohmann::json author_runs::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& r : runs_) out.push_back({r.length, r.author});
  return out;
}

void author_runs::append_json(std::string& out) const {
  out.push_back('[');
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('[');
    out += std::to_string(runs_[i].length);
    out.push_back(',');
    out += std::to_string(runs_[i].author);
    out.push_back(']');
  }
  out.push_back(']');
}

author_runs author_runs::from_json(const nlohmann::json& j) {
  if (!j.is_array()) throw std::runtime_error("author runs must be an array");
  std::vector<author_run> runs;
  runs.reserve(j.size());
  for (const auto& r : j) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned())
      throw std::runtime_error("each author run must be [length, author]");
    runs.push_back({r[0].get<std::uint32_t>(), r[1].get<std::uint32_t>()});
  }
  return author_runs(std::move(runs));
}

}  // namespace coplan::text
