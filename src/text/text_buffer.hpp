// text_buffer: a UTF-16 document held in a gap buffer, so that local edits (typing) cost time
// proportional to the distance from the previous edit, not to the document size.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coplan::text {

class change_set;

class text_buffer {
public:
  text_buffer() = default;
  explicit text_buffer(std::u16string_view initial);

  std::size_t size() const { return buf_.size() - (gap_end_ - gap_start_); }
  char16_t at(std::size_t pos) const { return pos < gap_start_ ? buf_[pos] : buf_[pos + (gap_end_ - gap_start_)]; }

  void replace(std::size_t pos, std::size_t remove, std::u16string_view insert);
  // Checks that `changes` fits this document (length, no split surrogate pair) without modifying it.
  // Throws coded_error("length_mismatch" | "split_surrogate").
  void validate(const change_set& changes) const;
  void apply(const change_set& changes);  // call validate() first

  std::u16string slice(std::size_t from, std::size_t to) const;
  std::u16string to_u16() const { return slice(0, size()); }
  std::string to_utf8() const;
  // Appends the text as a JSON string, equal to nlohmann::json(to_utf8()).dump(), without
  // building the UTF-8 copy first (snapshots of large fields).
  void append_json(std::string& out) const;

private:
  // Calls f on the text in order, in at most three pieces: the two sides of the gap, and a
  // surrogate pair lying across the gap as a piece of its own, so no piece holds half a pair.
  template <class F>
  void for_each_piece(F&& f) const {
    std::u16string_view before(buf_.data(), gap_start_), after(buf_.data() + gap_end_, buf_.size() - gap_end_);
    if (!splits_pair(static_cast<std::int64_t>(gap_start_))) {
      f(before);
      f(after);
      return;
    }
    const char16_t pair[2] = {before.back(), after.front()};
    f(before.substr(0, before.size() - 1));
    f(std::u16string_view(pair, 2));
    f(after.substr(1));
  }
  void move_gap(std::size_t pos);
  void ensure_gap(std::size_t needed);
  bool splits_pair(std::int64_t pos) const;

  std::vector<char16_t> buf_;
  std::size_t gap_start_ = 0;
  std::size_t gap_end_ = 0;
};

}  // namespace coplan::text
