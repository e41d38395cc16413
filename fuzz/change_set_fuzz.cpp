// Fuzzes text::change_set (CodeMirror's ChangeSet JSON: from_json, to_json, map_pos, map, compose,
// between) and text::text_buffer (validate, apply) with author_runs kept alongside. The input is
// JSON: either ["document", changesA, changesB?] or, for anything else, the whole input as
// changesA against a fixed document. Parsing may only throw coded_error bad_changes, bad_unicode
// or too_large, validation only length_mismatch or split_surrogate, map and compose only
// length_mismatch. Checked: the JSON round trip, lengths, apply against a plain reference applier,
// author runs covering the text, compose = apply one then the other, map converging
// (doc·b·a.map(b) = doc·a·b.map(a, before)), map_pos monotone and in range, and between().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "text/author_runs.hpp"
#include "text/change_set.hpp"
#include "text/coded_error.hpp"
#include "text/text_buffer.hpp"
#include "text/utf16.hpp"

using namespace coplan;
using namespace coplan::text;
using nlohmann::json;

namespace {

constexpr std::int64_t max_number = 1'000'000;  // unit_limits::max_field_length, as the server parses
constexpr std::int64_t max_synthetic = 1 << 14;  // longest made-up document for compose/map checks

std::optional<change_set> parse(const json& j) {
  try {
    auto c = change_set::from_json(j, max_number, max_number);
    // The JSON the server writes reads back as the same change set.
    FUZZ_CHECK(change_set::from_json(c.to_json(), max_number, max_number) == c);
    FUZZ_CHECK(c.length() >= 0 && c.new_length() >= 0);
    FUZZ_CHECK(c.new_length() == c.length() - c.deleted_length() + c.inserted_length());
    std::int64_t inserted = 0;
    for (std::size_t k = 0; k < c.sections().size(); k += 2) {
      FUZZ_CHECK(c.sections()[k] >= 0 && c.sections()[k + 1] >= -1);
      FUZZ_CHECK(static_cast<std::int64_t>(c.inserted(k >> 1).size()) == std::max<std::int64_t>(c.sections()[k + 1], 0));
      inserted += std::max<std::int64_t>(c.sections()[k + 1], 0);
    }
    FUZZ_CHECK(inserted == c.inserted_length());
    return c;
  } catch (const coded_error& e) {
    fuzz::expect_code(e, {"bad_changes", "bad_unicode", "too_large"}, "change_set::from_json");
    return std::nullopt;
  }
}

// The plain way of applying a change set, for reference (no validation).
std::u16string reference_apply(const std::u16string& doc, const change_set& c) {
  FUZZ_CHECK(c.length() == static_cast<std::int64_t>(doc.size()));
  std::u16string out;
  std::size_t pos = 0;
  const auto& s = c.sections();
  for (std::size_t k = 0; k < s.size(); k += 2) {
    auto len = static_cast<std::size_t>(s[k]);
    if (s[k + 1] < 0) out.append(doc, pos, len);
    else out += c.inserted(k >> 1);
    pos += len;
  }
  FUZZ_CHECK(static_cast<std::int64_t>(out.size()) == c.new_length());
  return out;
}

bool splits_pair(const std::u16string& doc, std::int64_t pos) {
  if (pos <= 0 || pos >= static_cast<std::int64_t>(doc.size())) return false;
  return is_high_surrogate(doc[static_cast<std::size_t>(pos - 1)]) && is_low_surrogate(doc[static_cast<std::size_t>(pos)]);
}

// Whether `c` cuts a surrogate pair of `doc` at the edge of a changed section.
bool cuts_pair(const std::u16string& doc, const change_set& c) {
  std::int64_t pos = 0;
  const auto& s = c.sections();
  for (std::size_t k = 0; k < s.size(); k += 2) {
    if (s[k + 1] >= 0 && (splits_pair(doc, pos) || splits_pair(doc, pos + s[k]))) return true;
    pos += s[k];
  }
  return false;
}

bool well_formed(const std::u16string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_high_surrogate(s[i])) {
      if (i + 1 == s.size() || !is_low_surrogate(s[i + 1])) return false;
      ++i;
    } else if (is_low_surrogate(s[i])) {
      return false;
    }
  }
  return true;
}

void check_runs(const author_runs& runs, std::size_t size) {
  FUZZ_CHECK(runs.total() == size);
  for (std::size_t i = 0; i < runs.runs().size(); ++i) {
    FUZZ_CHECK(runs.runs()[i].length > 0);
    if (i) FUZZ_CHECK(runs.runs()[i - 1].author != runs.runs()[i].author);
  }
}

// Validates and applies `c` to `buf` (holding `doc`) as the server does; returns whether it fit.
bool apply_checked(text_buffer& buf, author_runs& runs, std::u16string& doc, const change_set& c, std::uint32_t author) {
  try {
    buf.validate(c);
  } catch (const coded_error& e) {
    fuzz::expect_code(e, {"length_mismatch", "split_surrogate"}, "text_buffer::validate");
    if (e.code() == "length_mismatch") FUZZ_CHECK(c.length() != static_cast<std::int64_t>(doc.size()));
    else FUZZ_CHECK(cuts_pair(doc, c));
    return false;
  }
  FUZZ_CHECK(c.length() == static_cast<std::int64_t>(doc.size()));
  FUZZ_CHECK(!cuts_pair(doc, c));
  auto expected = reference_apply(doc, c);
  buf.apply(c);
  runs.apply(c, author);
  FUZZ_CHECK(buf.size() == expected.size());
  FUZZ_CHECK(buf.to_u16() == expected);
  check_runs(runs, expected.size());
  // A document that was well-formed UTF-16 stays so (the server writes it out as UTF-8).
  if (well_formed(doc)) {
    FUZZ_CHECK(well_formed(expected));
    FUZZ_CHECK(utf8_to_utf16(buf.to_utf8()) == expected);
  }
  // Reading a slice after the gap moved.
  if (expected.size() > 2) FUZZ_CHECK(buf.slice(1, expected.size() - 1) == expected.substr(1, expected.size() - 2));
  doc = std::move(expected);
  return true;
}

// Whether `c` is in the form CodeMirror itself builds: no empty section (a keep of 0, or a
// deletion of 0 with nothing inserted). from_json accepts such sections, as ChangeSet.fromJSON
// does, and then map and compose may refuse equal lengths or return a set of the wrong length
// exactly as @codemirror/state 6.7 does (e.g. [0,[0,"z"],1] then [0,[1,"z"],1] composes to
// [[0,"zz"],1]), so their results are checked on normal sets only. They must still end and throw
// nothing but coded_error.
bool normal(const change_set& c) {
  for (std::size_t k = 0; k < c.sections().size(); k += 2)
    if (c.sections()[k] == 0 && c.sections()[k + 1] <= 0) return false;
  return true;
}

// A document of `length` units to check compose and map on when the input's does not fit.
std::u16string synthetic(std::int64_t length) {
  std::u16string s(static_cast<std::size_t>(length), u'a');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char16_t>(u'a' + i % 26);
  return s;
}

void check_map_pos(const change_set& c) {
  auto len = c.length();
  std::int64_t step = std::max<std::int64_t>(1, len / 64);
  std::int64_t last_before = 0, last_after = 0;
  for (std::int64_t p = 0; p <= len; p += step) {
    auto before = c.map_pos(p, -1), after = c.map_pos(p, 1);
    FUZZ_CHECK(before >= last_before && after >= last_after);
    FUZZ_CHECK(before <= after);
    FUZZ_CHECK(after <= c.new_length());
    last_before = before;
    last_after = after;
  }
  FUZZ_CHECK(c.map_pos(len, 1) == c.new_length());
  FUZZ_CHECK(c.map_pos(0, -1) == 0);
}

void check_compose(const std::u16string& doc, const change_set& a, const change_set& b) {
  change_set ab;
  try {
    ab = a.compose(b);
  } catch (const coded_error& e) {
    fuzz::expect_code(e, {"length_mismatch"}, "change_set::compose");
    FUZZ_CHECK(b.length() != a.new_length() || !normal(a) || !normal(b));
    return;
  }
  if (b.length() != a.new_length()) return;  // an empty set composes with anything, as in CodeMirror
  if (!normal(a) || !normal(b)) return;       // composeSets can get these wrong, as CodeMirror does
  FUZZ_CHECK(ab.length() == a.length() && ab.new_length() == b.new_length());
  FUZZ_CHECK(reference_apply(doc, ab) == reference_apply(reference_apply(doc, a), b));
}

void check_map(const std::u16string& doc, const change_set& a, const change_set& b) {
  change_set a_over_b, b_over_a;
  try {
    a_over_b = a.map(b);
    b_over_a = b.map(a, true);
  } catch (const coded_error& e) {
    fuzz::expect_code(e, {"length_mismatch"}, "change_set::map");
    FUZZ_CHECK(a.length() != b.length() || !normal(a) || !normal(b));
    return;
  }
  if (a.length() != b.length()) return;  // mapping over an empty set returns the set, as in CodeMirror
  if (!normal(a) || !normal(b)) return;   // mapSet can get these wrong, as CodeMirror does
  FUZZ_CHECK(a_over_b.length() == b.new_length() && b_over_a.length() == a.new_length());
  FUZZ_CHECK(a_over_b.new_length() == b_over_a.new_length());
  auto via_b = reference_apply(reference_apply(doc, b), a_over_b);
  auto via_a = reference_apply(reference_apply(doc, a), b_over_a);
  FUZZ_CHECK(via_a == via_b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = json::parse(data, data + size, nullptr, false);
  if (input.is_discarded()) return 0;
  std::u16string doc = u"hello \U0001F600 world\nline two";
  json ja = input, jb;
  if (input.is_array() && !input.empty() && input[0].is_string()) {
    doc = utf8_to_utf16(input[0].get_ref<const std::string&>());  // valid: the parser checked it
    ja = input.size() > 1 ? input[1] : json::array();
    if (input.size() > 2) jb = input[2];
  }
  auto a = parse(ja);
  if (!a) return 0;
  std::optional<change_set> b;
  if (!jb.is_null()) b = parse(jb);

  check_map_pos(*a);
  text_buffer buf(doc);
  author_runs runs;
  runs.insert(0, doc.size(), 1);
  std::u16string now = doc;
  bool a_fits = apply_checked(buf, runs, now, *a, 2);
  if (a_fits && well_formed(doc)) {
    // between() finds the same edit again, replacing only what differs and keeping pairs whole.
    auto diff = change_set::between(doc, now);
    text_buffer again(doc);
    again.validate(diff);
    again.apply(diff);
    FUZZ_CHECK(again.to_u16() == now);
  }
  if (!b) return 0;
  check_map_pos(*b);
  if (a_fits) apply_checked(buf, runs, now, *b, 3);

  // compose and map on the input's document when it fits, else on a made-up one.
  const std::u16string base_a = a->length() == static_cast<std::int64_t>(doc.size()) ? doc
                                : a->length() <= max_synthetic                       ? synthetic(a->length())
                                                                                     : std::u16string();
  if (static_cast<std::int64_t>(base_a.size()) == a->length()) {
    check_compose(base_a, *a, *b);
    check_map(base_a, *a, *b);
  }
  return 0;
}
