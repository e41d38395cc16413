// The in-memory unit document: pushes, structure commands, catch-up and (de)serialization.
#include "unit/unit_doc.hpp"

#include <algorithm>

#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::unit {

namespace {

bool is_scalar(field_kind k) { return k != field_kind::text && k != field_kind::lessons; }

// The change set that undoes `c` on the document `doc` it applies to.
text::change_set inverse_of(const text::change_set& c, const text::text_buffer& doc) {
  std::vector<std::int64_t> sections = c.sections();
  std::vector<std::u16string> inserted;
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < sections.size(); i += 2) {
    std::int64_t len = sections[i], ins = sections[i + 1];
    if (ins >= 0) {
      sections[i] = ins;
      sections[i + 1] = len;
      inserted.resize(i >> 1);
      inserted.push_back(doc.slice(static_cast<std::size_t>(pos), static_cast<std::size_t>(pos + len)));
    }
    pos += len;
  }
  return text::change_set(std::move(sections), std::move(inserted));
}

}  // namespace

unit_doc::unit_doc(std::shared_ptr<const template_spec> spec, unit_limits limits)
    : spec_(std::move(spec)), limits_(limits) {
  for (const auto& f : spec_->unit_fields())
    if (f.kind == field_kind::text) streams_[stream_id("unit", f.id)];
}

void unit_doc::add_lesson_streams(const std::string& lesson_id) {
  for (const auto& f : spec_->lesson_fields())
    if (f.kind == field_kind::text) streams_[stream_id(lesson_id, f.id)];
}

void unit_doc::set_initial_value(const std::string& field, const nlohmann::json& value) {
  const auto* f = spec_->unit_field(field);
  if (!f || !is_scalar(f->kind)) throw coded_error("unknown_field", "no scalar field " + field);
  spec_->validate_value(*f, value);
  unit_values_[field] = value;
}

const text_stream* unit_doc::find_stream(const std::string& id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

lesson_block* unit_doc::lesson(const std::string& id) {
  for (auto& l : lessons_)
    if (l.id == id) return &l;
  return nullptr;
}

const lesson_block* unit_doc::find_lesson(const std::string& id) const {
  for (const auto& l : lessons_)
    if (l.id == id) return &l;
  return nullptr;
}

std::size_t unit_doc::lesson_index(const std::string& id) const {
  for (std::size_t i = 0; i < lessons_.size(); ++i)
    if (lessons_[i].id == id) return i;
  throw coded_error("unknown_block", "no lesson " + id.substr(0, 40));
}

void unit_doc::remember(text_stream& s, std::shared_ptr<const text_update> u) {
  s.recent.push_back(std::move(u));
  while (s.recent.size() > limits_.recent_kept) s.recent.pop_front();
}

unit_doc::push_outcome unit_doc::push(const std::string& stream, std::uint64_t version,
                                      std::vector<incoming_update> updates, std::uint32_t author, std::int64_t time,
                                      std::vector<std::shared_ptr<const text_update>>& accepted) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) throw coded_error("unknown_stream", "no text field " + stream.substr(0, 80));
  auto& s = it->second;
  if (version > s.version)
    throw coded_error("bad_version", "version " + std::to_string(version) + " is ahead of the server's " +
                                         std::to_string(s.version));
  if (version < s.version) return push_outcome::stale;
  if (updates.empty()) throw coded_error("bad_message", "a push needs at least one update");
  if (updates.size() > limits_.max_updates_per_push) throw coded_error("too_large", "too many updates in one push");

  // Validate and apply the texts one by one; on any failure undo what was applied.
  std::vector<text::change_set> undo;
  try {
    for (auto& u : updates) {
      s.text.validate(u.changes);
      if (u.changes.new_length() > limits_.max_field_length)
        throw coded_error("too_large", "the field would exceed " + std::to_string(limits_.max_field_length) +
                                           " characters");
      if (updates.size() > 1) undo.push_back(inverse_of(u.changes, s.text));
      s.text.apply(u.changes);
    }
  } catch (...) {
    for (auto r = undo.rbegin(); r != undo.rend(); ++r) s.text.apply(*r);
    throw;
  }
  for (auto& u : updates) {
    s.authors.apply(u.changes, author);
    auto tu = std::make_shared<text_update>();
    tu->stream = stream;
    tu->version = s.version++;
    tu->client_id = std::move(u.client_id);
    tu->seq = u.seq;
    tu->author = author;
    tu->time = time;
    tu->changes_json = u.changes_json.empty() ? u.changes.to_json().dump() : std::move(u.changes_json);
    tu->changes = std::move(u.changes);
    accepted.push_back(tu);
    remember(s, std::move(tu));
    ++total_ops_;
  }
  return push_outcome::applied;
}

std::shared_ptr<const structure_update> unit_doc::apply(const command& cmd, const std::string& client_id,
                                                        std::uint64_t seq, std::uint32_t author, std::int64_t time) {
  auto live_lesson = [&](const std::string& id) -> lesson_block& {
    auto* l = lesson(id);
    if (!l) throw coded_error("unknown_block", "no lesson " + id.substr(0, 40));
    if (l->removed) throw coded_error("block_removed", "lesson " + id + " was removed");
    return *l;
  };
  auto position_after = [&](const std::string& after) -> std::size_t {
    return after.empty() ? 0 : lesson_index(after) + 1;
  };
  switch (cmd.op) {
    case command_op::add_lesson: {
      if (!spec_->has_lessons()) throw coded_error("unknown_field", "this template has no lessons");
      if (lesson(cmd.block) || cmd.block == "unit") throw coded_error("duplicate_id", "lesson id already used");
      if (lessons_.size() >= limits_.max_lessons) throw coded_error("too_large", "too many lessons");
      auto at = position_after(cmd.after);
      lessons_.insert(lessons_.begin() + static_cast<std::ptrdiff_t>(at), lesson_block{cmd.block, false, {}});
      add_lesson_streams(cmd.block);
      break;
    }
    case command_op::remove_lesson:
      live_lesson(cmd.block).removed = true;
      break;
    case command_op::restore_lesson: {
      auto* l = lesson(cmd.block);
      if (!l) throw coded_error("unknown_block", "no lesson " + cmd.block.substr(0, 40));
      if (!l->removed) throw coded_error("not_removed", "lesson " + cmd.block + " is not removed");
      l->removed = false;
      break;
    }
    case command_op::move_lesson: {
      live_lesson(cmd.block);
      if (cmd.after == cmd.block) throw coded_error("bad_command", "a lesson cannot move after itself");
      if (!cmd.after.empty()) lesson_index(cmd.after);  // must exist
      auto from = lesson_index(cmd.block);
      lesson_block moved = std::move(lessons_[from]);
      lessons_.erase(lessons_.begin() + static_cast<std::ptrdiff_t>(from));
      auto at = position_after(cmd.after);
      lessons_.insert(lessons_.begin() + static_cast<std::ptrdiff_t>(at), std::move(moved));
      break;
    }
    case command_op::set_value: {
      const field_spec* f = nullptr;
      std::map<std::string, nlohmann::json>* values = nullptr;
      if (cmd.block == "unit") {
        f = spec_->unit_field(cmd.field);
        values = &unit_values_;
      } else {
        auto& l = live_lesson(cmd.block);
        f = spec_->lesson_field(cmd.field);
        values = &l.values;
      }
      if (!f || !is_scalar(f->kind)) throw coded_error("unknown_field", "no scalar field " + cmd.field.substr(0, 40));
      spec_->validate_value(*f, cmd.value);
      if (cmd.value.is_null()) values->erase(cmd.field);
      else (*values)[cmd.field] = cmd.value;
      break;
    }
  }
  auto su = std::make_shared<structure_update>();
  su->version = structure_version_++;
  su->client_id = client_id;
  su->seq = seq;
  su->author = author;
  su->time = time;
  su->cmd = cmd;
  recent_structure_.push_back(su);
  while (recent_structure_.size() > limits_.recent_kept) recent_structure_.pop_front();
  ++total_ops_;
  return su;
}

bool unit_doc::text_updates_since(const std::string& stream, std::uint64_t version,
                                  std::vector<std::shared_ptr<const text_update>>& out) const {
  const auto* s = find_stream(stream);
  if (!s || version > s->version) return false;
  std::uint64_t first = s->version - s->recent.size();
  if (version < first) return false;
  for (auto i = static_cast<std::size_t>(version - first); i < s->recent.size(); ++i) out.push_back(s->recent[i]);
  return true;
}

bool unit_doc::structure_updates_since(std::uint64_t version,
                                       std::vector<std::shared_ptr<const structure_update>>& out) const {
  if (version > structure_version_) return false;
  std::uint64_t first = structure_version_ - recent_structure_.size();
  if (version < first) return false;
  for (auto i = static_cast<std::size_t>(version - first); i < recent_structure_.size(); ++i)
    out.push_back(recent_structure_[i]);
  return true;
}

nlohmann::json unit_doc::structure_json() const {
  auto lessons = nlohmann::json::array();
  for (const auto& l : lessons_)
    lessons.push_back({{"id", l.id}, {"removed", l.removed}, {"values", l.values}});
  return {{"version", structure_version_}, {"values", unit_values_}, {"lessons", std::move(lessons)}};
}

nlohmann::json unit_doc::stream_json(const std::string& id) const {
  const auto& s = streams_.at(id);
  return {{"version", s.version}, {"text", s.text.to_utf8()}, {"authors", s.authors.to_json()}};
}

nlohmann::json unit_doc::to_json() const {
  nlohmann::json streams = nlohmann::json::object();
  for (const auto& [id, s] : streams_) streams[id] = stream_json(id);
  return {{"template", spec_->id()}, {"structure", structure_json()}, {"streams", std::move(streams)}};
}

unit_doc unit_doc::from_json(std::shared_ptr<const template_spec> spec, unit_limits limits, const nlohmann::json& j) {
  unit_doc d(std::move(spec), limits);
  const auto& st = j.at("structure");
  d.structure_version_ = st.at("version").get<std::uint64_t>();
  d.unit_values_ = st.at("values").get<std::map<std::string, nlohmann::json>>();
  for (const auto& l : st.at("lessons")) {
    lesson_block b{l.at("id").get<std::string>(), l.at("removed").get<bool>(),
                   l.at("values").get<std::map<std::string, nlohmann::json>>()};
    d.add_lesson_streams(b.id);
    d.lessons_.push_back(std::move(b));
  }
  for (const auto& [id, s] : j.at("streams").items()) {
    auto& ts = d.streams_[id];
    ts.version = s.at("version").get<std::uint64_t>();
    ts.text = text::text_buffer(text::utf8_to_utf16(s.at("text").get_ref<const std::string&>()));
    ts.authors = text::author_runs::from_json(s.at("authors"));
    if (ts.authors.total() != ts.text.size()) throw std::runtime_error("snapshot: author runs do not cover " + id);
  }
  return d;
}

}  // namespace coplan::unit
