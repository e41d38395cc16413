// change_set parsing, serialization, composition and mapping; compose and map follow the
// algorithms of @codemirror/state (composeSets / mapSet) step for step so results are identical.
#include "text/change_set.hpp"

#include <algorithm>
#include <stdexcept>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::text {

namespace {

const std::u16string empty_text;

[[noreturn]] void bad(const std::string& why) { throw coded_error("bad_changes", "invalid change set: " + why); }

// A length read as an unsigned or a signed integer: non-negative and at most max_number.
std::int64_t checked_length(std::uint64_t u, std::int64_t max_number) {
  if (u > static_cast<std::uint64_t>(max_number)) throw coded_error("too_large", "change set length out of range");
  return static_cast<std::int64_t>(u);
}

std::int64_t checked_length(std::int64_t s, std::int64_t max_number) {
  if (s < 0) bad("lengths must be non-negative integers");
  return checked_length(static_cast<std::uint64_t>(s), max_number);
}

std::int64_t length_of(const nlohmann::json& v, std::int64_t max_number) {
  if (!v.is_number_integer()) bad("lengths must be non-negative integers");
  return v.is_number_unsigned() ? checked_length(v.get<std::uint64_t>(), max_number)
                                : checked_length(v.get<std::int64_t>(), max_number);
}

std::int64_t length_of(const simdjson::dom::element& v, std::int64_t max_number) {
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
      return checked_length(v.get_int64().value_unsafe(), max_number);
    case simdjson::dom::element_type::UINT64:
      return checked_length(v.get_uint64().value_unsafe(), max_number);
    default:
      bad("lengths must be non-negative integers");
  }
}

// Builds a change set part by part as CodeMirror's JSON form lists them (n = keep n, [n] = delete
// n, [n, "line", ...] = replace n by the lines joined with "\n"), for either JSON library's reader.
class parts_reader {
public:
  parts_reader(std::size_t parts, std::int64_t max_insert) : max_insert_(max_insert) { sections_.reserve(parts * 2); }
  void keep(std::int64_t len) {
    sections_.push_back(len);
    sections_.push_back(-1);
  }
  // Appends line number k (1 for the first) of a replacement to `text`.
  void add_line(std::u16string& text, std::size_t k, std::string_view utf8) {
    if (k > 1) text.push_back(u'\n');
    text += utf8_to_utf16(utf8);
  }
  // Part number `index`: replace `len` by `text` (a deletion when it has no lines).
  void replace(std::size_t index, std::int64_t len, bool has_lines, std::u16string text) {
    if (!has_lines) {
      sections_.push_back(len);
      sections_.push_back(0);
      return;
    }
    total_insert_ += static_cast<std::int64_t>(text.size());
    if (total_insert_ > max_insert_) throw coded_error("too_large", "change set inserts too much text");
    while (inserted_.size() < index) inserted_.emplace_back();
    sections_.push_back(len);
    sections_.push_back(static_cast<std::int64_t>(text.size()));
    inserted_.push_back(std::move(text));
  }
  change_set finish() { return change_set(std::move(sections_), std::move(inserted_)); }

private:
  std::int64_t max_insert_;
  std::int64_t total_insert_ = 0;
  section_list sections_;
  insert_list inserted_;
};

// Mirrors addSection() of @codemirror/state.
void add_section(section_list& sections, std::int64_t len, std::int64_t ins, bool force_join = false) {
  if (len == 0 && ins <= 0) return;
  auto n = sections.size();
  if (n >= 2 && ins <= 0 && ins == sections[n - 1]) sections[n - 2] += len;
  else if (n >= 2 && len == 0 && sections[n - 2] == 0) sections[n - 1] += ins;
  else if (force_join) {
    sections[n - 2] += len;
    sections[n - 1] += ins;
  } else {
    sections.push_back(len);
    sections.push_back(ins);
  }
}

// Mirrors addInsert() of @codemirror/state.
void add_insert(insert_list& values, const section_list& sections,
                const std::u16string& value) {
  if (value.empty()) return;
  std::size_t index = (sections.size() - 2) >> 1;
  if (index < values.size()) {
    values.back() += value;
  } else {
    while (values.size() < index) values.emplace_back();
    values.push_back(value);
  }
}

// Room for the sections of mapping or composing a and b, so that building them allocates at most
// once (and not at all when they fit inline) instead of growing step by step.
void reserve_for(section_list& sections, const change_set& a, const change_set& b) {
  sections.reserve(a.sections().size() + b.sections().size());
}

// Mirrors SectionIter of @codemirror/state.
class section_iter {
public:
  explicit section_iter(const change_set& set) : set_(set) { next(); }
  void next() {
    const auto& s = set_.sections();
    if (i < s.size()) {
      len = s[i++];
      ins = s[i++];
    } else {
      len = 0;
      ins = -2;
    }
    off = 0;
  }
  bool done() const { return ins == -2; }
  std::int64_t len2() const { return ins < 0 ? len : ins; }
  const std::u16string& text() const { return set_.inserted((i - 2) >> 1); }
  std::u16string text_bit(std::int64_t n) const {
    const auto& t = text();
    return t.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(n));
  }
  void forward(std::int64_t n) {
    if (n == len) next();
    else {
      len -= n;
      off += n;
    }
  }
  void forward2(std::int64_t n) {
    if (ins == -1) forward(n);
    else if (n == ins) next();
    else {
      ins -= n;
      off += n;
    }
  }

  std::size_t i = 0;
  std::int64_t len = 0, ins = 0, off = 0;

private:
  const change_set& set_;
};

}  // namespace

change_set change_set::from_json(const nlohmann::json& j, std::int64_t max_number, std::int64_t max_insert) {
  if (!j.is_array()) bad("expected an array");
  parts_reader parts(j.size(), max_insert);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& part = j[i];
    if (part.is_number()) {
      parts.keep(length_of(part, max_number));
      continue;
    }
    if (!part.is_array() || part.empty()) bad("each part must be a number or an array");
    std::int64_t len = length_of(part[0], max_number);
    std::u16string text;
    for (std::size_t k = 1; k < part.size(); ++k) {
      if (!part[k].is_string()) bad("inserted lines must be strings");
      parts.add_line(text, k, part[k].get_ref<const std::string&>());
    }
    parts.replace(i, len, part.size() > 1, std::move(text));
  }
  return parts.finish();
}

change_set change_set::from_simdjson(const simdjson::dom::element& j, std::int64_t max_number, std::int64_t max_insert) {
  simdjson::dom::array array;
  if (j.get(array)) bad("expected an array");
  parts_reader parts(array.size(), max_insert);
  std::size_t i = 0;
  for (simdjson::dom::element part : array) {
    simdjson::dom::array replace;
    if (part.is_number()) {
      parts.keep(length_of(part, max_number));
    } else if (part.get(replace) || replace.size() == 0) {
      bad("each part must be a number or an array");
    } else {
      std::int64_t len = 0;
      std::u16string text;
      std::size_t k = 0;
      for (simdjson::dom::element line : replace) {
        if (k == 0) {
          len = length_of(line, max_number);
        } else {
          std::string_view utf8;
          if (line.get(utf8)) bad("inserted lines must be strings");
          parts.add_line(text, k, utf8);
        }
        ++k;
      }
      parts.replace(i, len, k > 1, std::move(text));
    }
    ++i;
  }
  return parts.finish();
}

std::string change_set::to_json_text() const {
  std::string out;
  out.reserve(2 + sections_.size() * 4);
  out.push_back('[');
  for (std::size_t i = 0; i < sections_.size(); i += 2) {
    if (i) out.push_back(',');
    std::int64_t len = sections_[i], ins = sections_[i + 1];
    if (ins < 0) {
      out += std::to_string(len);
      continue;
    }
    out.push_back('[');
    out += std::to_string(len);
    if (ins > 0) {
      std::u16string_view t = inserted(i >> 1);
      for (;;) {
        auto nl = t.find(u'\n');
        out.push_back(',');
        append_json_string(out, t.substr(0, nl));
        if (nl == std::u16string_view::npos) break;
        t.remove_prefix(nl + 1);
      }
    }
    out.push_back(']');
  }
  out.push_back(']');
  return out;
}

nlohmann::json change_set::to_json() const {
  auto out = nlohmann::json::array();
  for (std::size_t i = 0; i < sections_.size(); i += 2) {
    std::int64_t len = sections_[i], ins = sections_[i + 1];
    if (ins < 0) {
      out.push_back(len);
    } else if (ins == 0) {
      out.push_back(nlohmann::json::array({len}));
    } else {
      auto part = nlohmann::json::array({len});
      const auto& t = inserted(i >> 1);
      std::size_t start = 0;
      for (;;) {
        auto nl = t.find(u'\n', start);
        part.push_back(utf16_to_utf8(std::u16string_view(t).substr(start, nl == std::u16string::npos ? nl : nl - start)));
        if (nl == std::u16string::npos) break;
        start = nl + 1;
      }
      out.push_back(std::move(part));
    }
  }
  return out;
}

change_set change_set::empty_of(std::int64_t length) {
  if (!length) return change_set();
  return change_set({length, -1}, {});
}

change_set change_set::replace(std::int64_t length, std::int64_t from, std::int64_t to, std::u16string insert) {
  section_list sections;
  insert_list inserted;
  if (from > 0) sections.insert(sections.end(), {from, -1});
  if (to > from || !insert.empty()) {
    sections.insert(sections.end(), {to - from, static_cast<std::int64_t>(insert.size())});
    inserted.resize(sections.size() / 2 - 1);
    inserted.push_back(std::move(insert));
  }
  if (to < length) sections.insert(sections.end(), {length - to, -1});
  return change_set(std::move(sections), std::move(inserted));
}

change_set change_set::between(const std::u16string& from, const std::u16string& to) {
  std::size_t a = 0;
  while (a < from.size() && a < to.size() && from[a] == to[a]) ++a;
  if (a > 0 && a < from.size() && is_low_surrogate(from[a])) --a;  // keep pairs whole
  if (a > 0 && a < to.size() && is_low_surrogate(to[a])) --a;
  std::size_t b = 0;
  while (b < from.size() - a && b < to.size() - a && from[from.size() - 1 - b] == to[to.size() - 1 - b]) ++b;
  if (b > 0 && b < from.size() - a && is_low_surrogate(from[from.size() - b])) --b;
  if (b > 0 && b < to.size() - a && is_low_surrogate(to[to.size() - b])) --b;
  auto len = static_cast<std::int64_t>(from.size());
  if (a == from.size() && a == to.size()) return empty_of(len);
  return replace(len, static_cast<std::int64_t>(a), len - static_cast<std::int64_t>(b), to.substr(a, to.size() - a - b));
}

std::int64_t change_set::length() const {
  std::int64_t r = 0;
  for (std::size_t i = 0; i < sections_.size(); i += 2) r += sections_[i];
  return r;
}

std::int64_t change_set::new_length() const {
  std::int64_t r = 0;
  for (std::size_t i = 0; i < sections_.size(); i += 2) r += sections_[i + 1] < 0 ? sections_[i] : sections_[i + 1];
  return r;
}

bool change_set::empty() const {
  return sections_.empty() || (sections_.size() == 2 && sections_[1] < 0);
}

std::int64_t change_set::inserted_length() const {
  std::int64_t r = 0;
  for (std::size_t i = 0; i < sections_.size(); i += 2) r += std::max<std::int64_t>(sections_[i + 1], 0);
  return r;
}

std::int64_t change_set::deleted_length() const {
  std::int64_t r = 0;
  for (std::size_t i = 0; i < sections_.size(); i += 2)
    if (sections_[i + 1] >= 0) r += sections_[i];
  return r;
}

const std::u16string& change_set::inserted(std::size_t k) const {
  return k < inserted_.size() ? inserted_[k] : empty_text;
}

bool change_set::operator==(const change_set& o) const {
  if (sections_ != o.sections_) return false;
  for (std::size_t k = 0; k < sections_.size() / 2; ++k)
    if (inserted(k) != o.inserted(k)) return false;
  return true;
}

// Port of ChangeDesc.mapPos in MapMode.Simple.
std::int64_t change_set::map_pos(std::int64_t pos, int assoc) const {
  std::int64_t pos_a = 0, pos_b = 0;
  for (std::size_t i = 0; i < sections_.size(); i += 2) {
    std::int64_t len = sections_[i], ins = sections_[i + 1], end_a = pos_a + len;
    if (ins < 0) {
      if (end_a > pos) return pos_b + (pos - pos_a);
      pos_b += len;
    } else {
      if (end_a > pos || (end_a == pos && assoc < 0 && !len)) return pos == pos_a || assoc < 0 ? pos_b : pos_b + ins;
      pos_b += ins;
    }
    pos_a = end_a;
  }
  return pos_b;
}

// Port of mapSet(setA, setB, before, mkSet=true).
change_set change_set::map(const change_set& other, bool before) const {
  change_set out;
  map_into(other, before, out);
  return out;
}

void change_set::map_into(const change_set& other, bool before, change_set& out) const {
  if (&out == this || &out == &other) throw std::invalid_argument("change_set::map_into: out must be a third change set");
  if (other.empty()) {
    out = *this;
    return;
  }
  // mapSet never ends on some sets of different lengths (e.g. [[1,"x"]] over [[3]]; CodeMirror
  // loops too), and a stale push is mapped before it is checked against the document.
  if (length() != other.length()) throw coded_error("length_mismatch", "mismatched change set lengths");
  // Written straight into `out`, whose storage is reused: moving a change set copies its inline
  // sections and texts, and a rebase maps thousands of times a second.
  section_list& sections = out.sections_;
  insert_list& insert = out.inserted_;
  sections.clear();
  insert.clear();
  reserve_for(sections, *this, other);
  section_iter a(*this), b(other);
  for (std::int64_t inserted = -1;;) {
    if ((a.done() && b.len) || (b.done() && a.len)) {
      throw coded_error("length_mismatch", "mismatched change set lengths");
    } else if (a.ins == -1 && b.ins == -1) {
      std::int64_t len = std::min(a.len, b.len);
      add_section(sections, len, -1);
      a.forward(len);
      b.forward(len);
    } else if (b.ins >= 0 && (a.ins < 0 || inserted == static_cast<std::int64_t>(a.i) ||
                              (a.off == 0 && (b.len < a.len || (b.len == a.len && !before))))) {
      std::int64_t len = b.len;
      add_section(sections, b.ins, -1);
      while (len) {
        std::int64_t piece = std::min(a.len, len);
        if (a.ins >= 0 && inserted < static_cast<std::int64_t>(a.i) && a.len <= piece) {
          add_section(sections, 0, a.ins);
          add_insert(insert, sections, a.text());
          inserted = static_cast<std::int64_t>(a.i);
        }
        a.forward(piece);
        len -= piece;
      }
      b.next();
    } else if (a.ins >= 0) {
      std::int64_t len = 0, left = a.len;
      while (left) {
        if (b.ins == -1) {
          std::int64_t piece = std::min(left, b.len);
          len += piece;
          left -= piece;
          b.forward(piece);
        } else if (b.ins == 0 && b.len < left) {
          left -= b.len;
          b.next();
        } else {
          break;
        }
      }
      bool first = inserted < static_cast<std::int64_t>(a.i);
      add_section(sections, len, first ? a.ins : 0);
      if (first) add_insert(insert, sections, a.text());
      inserted = static_cast<std::int64_t>(a.i);
      a.forward(a.len - left);
    } else if (a.done() && b.done()) {
      return;
    } else {
      throw coded_error("length_mismatch", "mismatched change set lengths");
    }
  }
}

// Port of composeSets(setA, setB, mkSet=true).
change_set change_set::compose(const change_set& other) const {
  if (empty()) return other;
  if (other.empty()) return *this;
  section_list sections;
  insert_list insert;
  reserve_for(sections, *this, other);
  section_iter a(*this), b(other);
  for (bool open = false;;) {
    if (a.done() && b.done()) {
      return change_set(std::move(sections), std::move(insert));
    } else if (a.ins == 0) {
      add_section(sections, a.len, 0, open);
      a.next();
    } else if (b.len == 0 && !b.done()) {
      add_section(sections, 0, b.ins, open);
      add_insert(insert, sections, b.text());
      b.next();
    } else if (a.done() || b.done()) {
      throw coded_error("length_mismatch", "mismatched change set lengths");
    } else {
      std::int64_t len = std::min(a.len2(), b.len);
      auto section_len = sections.size();
      if (a.ins == -1) {
        std::int64_t ins_b = b.ins == -1 ? -1 : b.off ? 0 : b.ins;
        add_section(sections, len, ins_b, open);
        if (ins_b) add_insert(insert, sections, b.text());
      } else if (b.ins == -1) {
        add_section(sections, a.off ? 0 : a.len, len, open);
        add_insert(insert, sections, a.text_bit(len));
      } else {
        add_section(sections, a.off ? 0 : a.len, b.off ? 0 : b.ins, open);
        if (!b.off) add_insert(insert, sections, b.text());
      }
      open = (a.ins > len || (b.ins >= 0 && b.len > len)) && (open || sections.size() > section_len);
      a.forward2(len);
      b.forward(len);
    }
  }
}

}  // namespace coplan::text
