// Gap-buffer text storage and ChangeSet application (see text_buffer.hpp).
#include "text/text_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "text/change_set.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::text {

text_buffer::text_buffer(std::u16string_view initial) : buf_(initial.begin(), initial.end()) {
  gap_start_ = gap_end_ = buf_.size();
}

void text_buffer::move_gap(std::size_t pos) {
  if (pos == gap_start_) return;
  std::size_t gap = gap_end_ - gap_start_;
  if (pos < gap_start_) {
    std::size_t n = gap_start_ - pos;
    std::memmove(buf_.data() + pos + gap, buf_.data() + pos, n * sizeof(char16_t));
  } else {
    std::size_t n = pos - gap_start_;
    std::memmove(buf_.data() + gap_start_, buf_.data() + gap_end_, n * sizeof(char16_t));
  }
  gap_start_ = pos;
  gap_end_ = pos + gap;
}

void text_buffer::ensure_gap(std::size_t needed) {
  std::size_t gap = gap_end_ - gap_start_;
  if (gap >= needed) return;
  std::size_t tail = buf_.size() - gap_end_;
  std::size_t grow = std::max(needed - gap, std::max<std::size_t>(64, buf_.size() / 2));
  buf_.resize(buf_.size() + grow);
  std::memmove(buf_.data() + gap_end_ + grow, buf_.data() + gap_end_, tail * sizeof(char16_t));
  gap_end_ += grow;
}

void text_buffer::replace(std::size_t pos, std::size_t remove, std::u16string_view insert) {
  move_gap(pos);
  gap_end_ += remove;
  ensure_gap(insert.size());
  if (insert.empty()) return;  // an empty buffer has no storage: memcpy to null is undefined even for 0 bytes
  std::memcpy(buf_.data() + gap_start_, insert.data(), insert.size() * sizeof(char16_t));
  gap_start_ += insert.size();
}

bool text_buffer::splits_pair(std::int64_t pos) const {
  if (pos <= 0 || pos >= static_cast<std::int64_t>(size())) return false;
  return is_high_surrogate(at(static_cast<std::size_t>(pos - 1))) && is_low_surrogate(at(static_cast<std::size_t>(pos)));
}

void text_buffer::validate(const change_set& changes) const {
  if (changes.length() != static_cast<std::int64_t>(size()))
    throw coded_error("length_mismatch", "change set length " + std::to_string(changes.length()) +
                                             " does not match document length " + std::to_string(size()));
  const auto& s = changes.sections();
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    if (s[i + 1] >= 0 && (splits_pair(pos) || splits_pair(pos + s[i])))
      throw coded_error("split_surrogate", "change would split a surrogate pair at " + std::to_string(pos));
    pos += s[i];
  }
}

void text_buffer::apply(const change_set& changes) {
  const auto& s = changes.sections();
  std::size_t pos = 0;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    auto len = static_cast<std::size_t>(s[i]);
    if (s[i + 1] < 0) {
      pos += len;
    } else {
      const auto& ins = changes.inserted(i >> 1);
      replace(pos, len, ins);
      pos += ins.size();
    }
  }
}

std::u16string text_buffer::slice(std::size_t from, std::size_t to) const {
  std::u16string out;
  out.reserve(to - from);
  if (from < gap_start_) out.append(buf_.data() + from, std::min(to, gap_start_) - from);
  if (to > gap_start_) {
    std::size_t gap = gap_end_ - gap_start_;
    std::size_t a = std::max(from, gap_start_);
    out.append(buf_.data() + a + gap, to - a);
  }
  return out;
}

std::string text_buffer::to_utf8() const {
  std::string out;
  out.reserve(size());
  for_each_piece([&](std::u16string_view piece) { append_utf8(out, piece); });
  return out;
}

void text_buffer::append_json(std::string& out) const {
  out.push_back('"');
  for_each_piece([&](std::u16string_view piece) { append_json_escaped(out, piece); });
  out.push_back('"');
}

}  // namespace coplan::text
