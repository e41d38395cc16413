// The in-memory unit document: pushes, structure commands, catch-up and (de)serialization.
#include "unit/unit_doc.hpp"

#include <algorithm>

#include "text/coded_error.hpp"
#include "text/utf16.hpp"

#include <optional>
#include <stdexcept>

namespace coplan::unit {

namespace {
// Moves a passage tag through an edit of its text, as the text moves: its start after text
// inserted there, its end before it, never before its start.
void carry_passage(tag_entry& t, const text::change_set& changes) {
  t.from = changes.map_pos(t.from, 1);
  t.to = std::max(t.from, changes.map_pos(t.to, -1));
}

// The change set that undoes `c` on the document `doc` it applies to.
text::change_set inverse_of(const text::change_set& c, const text::text_buffer& doc) {
  text::section_list sections = c.sections();
  text::insert_list inserted;
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
  for (const auto& [id, l] : spec_->lists()) lists_[id];
}

void unit_doc::add_block_streams(const list_spec& list, const std::string& block_id) {
  for (const auto& f : list.fields)
    if (f.kind == field_kind::text) streams_[stream_id(block_id, f.id)];
}

void unit_doc::set_initial_value(const std::string& field, const nlohmann::json& value) {
  const auto* f = spec_->unit_field(field);
  if (!f || !is_scalar(f->kind)) throw coded_error("unknown_field", "no scalar field " + field);
  check_value(*f, value);
  unit_values_[field] = value;
}

const text_stream* unit_doc::find_stream(const std::string& id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

const std::vector<block>& unit_doc::list(const std::string& id) const {
  static const std::vector<block> none;
  auto it = lists_.find(id);
  return it == lists_.end() ? none : it->second;
}

block* unit_doc::find_block_mut(const std::string& id) {
  for (auto& [name, blocks] : lists_)
    for (auto& b : blocks)
      if (b.id == id) return &b;
  return nullptr;
}

const block* unit_doc::find_block(const std::string& id) const {
  return const_cast<unit_doc*>(this)->find_block_mut(id);
}

std::size_t unit_doc::index_in(const std::vector<block>& blocks, const std::string& id) const {
  for (std::size_t i = 0; i < blocks.size(); ++i)
    if (blocks[i].id == id) return i;
  throw coded_error("unknown_block", "no block " + id.substr(0, 40) + " in this list");
}

void unit_doc::check_value(const field_spec& f, const nlohmann::json& value) const {
  spec_->validate_value(f, value);
  if (f.kind == field_kind::member && !value.is_null() && !members_.empty() &&
      !members_.count(value.get<std::uint32_t>()))
    throw coded_error("bad_value", "value for " + f.id + " must be a member of this unit");
}

void unit_doc::rebase(std::vector<incoming_update>& updates, const std::vector<std::shared_ptr<const text_update>>& over) {
  // Exactly what a @codemirror/collab client does when it receives `over` one update at a time
  // (StreamPeer.onUpdates): its own update at the head of the queue is confirmed and dropped;
  // anyone else's is mapped through every pending update. Mapping over each update in turn (not
  // over their composition) matters: CodeMirror's map is not compositional when insertions tie.
  //
  // While mapped, the pending changes live in `mine` and each step writes into `next` (then the
  // two vectors swap), so no change set is moved per step: every map writes into reused storage.
  std::size_t first = 0;  // the updates before it were confirmed by `over` and are dropped
  std::size_t base = 0;   // mine[k] holds the changes of updates[base + k]
  std::vector<text::change_set> mine, next;
  text::change_set theirs[2];
  for (const auto& o : over) {
    if (first == updates.size()) break;
    if (updates[first].client_id == o->client_id) {
      ++first;
      continue;
    }
    if (mine.empty()) {
      base = first;
      for (std::size_t i = first; i < updates.size(); ++i) mine.push_back(std::move(updates[i].changes));
      next.resize(mine.size());
    }
    int t = 0;
    theirs[t] = o->changes;
    for (std::size_t k = first - base; k < mine.size(); ++k) {
      mine[k].map_into(theirs[t], false, next[k]);
      theirs[t].map_into(mine[k], true, theirs[1 - t]);
      t = 1 - t;
    }
    mine.swap(next);  // entries below first - base are confirmed ones, never read again
  }
  for (std::size_t i = std::max(first, base); i < updates.size() && !mine.empty(); ++i) {
    updates[i].changes = std::move(mine[i - base]);
    updates[i].changes_json.clear();  // rewritten from the rebased changes
  }
  updates.erase(updates.begin(), updates.begin() + static_cast<std::ptrdiff_t>(first));
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
  if (updates.empty()) throw coded_error("bad_message", "a push needs at least one update");
  if (updates.size() > limits_.max_updates_per_push) throw coded_error("too_large", "too many updates in one push");
  if (version < s.version) {
    // A push made before updates the client has not seen: rebase it over them, the way
    // @codemirror/collab's rebaseUpdates does (updates of this client already accepted are
    // dropped, so nothing is applied twice), or refuse it when that history is gone.
    std::vector<std::shared_ptr<const text_update>> over;
    if (!limits_.rebase_stale || !text_updates_since(stream, version, over)) return push_outcome::stale;
    rebase(updates, over);
    if (updates.empty()) return push_outcome::applied;  // all of it was already here
  }

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
    for (auto& t : tags_)
      if (t.from >= 0 && t.target == stream) carry_passage(t, u.changes);
    auto tu = std::make_shared<text_update>();
    tu->stream = stream;
    tu->version = s.version++;
    tu->client_id = std::move(u.client_id);
    tu->seq = u.seq;
    tu->author = author;
    tu->time = time;
    tu->changes_json = u.changes_json.empty() ? u.changes.to_json_text() : std::move(u.changes_json);
    tu->changes = std::move(u.changes);
    accepted.push_back(tu);
    remember(s, std::move(tu));
    ++total_ops_;
  }
  return push_outcome::applied;
}

std::shared_ptr<const structure_update> unit_doc::apply(const command& cmd, const std::string& client_id,
                                                        std::uint64_t seq, std::uint32_t author, std::int64_t time) {
  auto live_block = [&](const std::string& id) -> block& {
    auto* b = find_block_mut(id);
    if (!b) throw coded_error("unknown_block", "no block " + id.substr(0, 40));
    if (b->removed) throw coded_error("block_removed", "block " + id + " was removed");
    return *b;
  };
  auto find_comment = [&](const std::string& id) -> comment_entry* {
    for (auto& c : comments_)
      if (c.id == id) return &c;
    return nullptr;
  };
  std::optional<command> placed;  // the command as recorded, when it differs from `cmd`
  switch (cmd.op) {
    case command_op::add_block: {
      const auto* ls = spec_->list(cmd.list);
      if (!ls) throw coded_error("unknown_list", "no list " + cmd.list.substr(0, 40) + " in this template");
      if (find_block_mut(cmd.block) || cmd.block == "unit") throw coded_error("duplicate_id", "block id already used");
      auto& blocks = lists_[cmd.list];
      if (blocks.size() >= limits_.max_blocks_per_list) throw coded_error("too_large", "too many blocks in " + cmd.list);
      block b{cmd.block, cmd.list, false, {}};
      if (cmd.value.is_object())
        for (const auto& [k, v] : cmd.value.items()) {
          const auto* f = ls->field(k);
          if (!f || !is_scalar(f->kind)) throw coded_error("unknown_field", "no scalar field " + k.substr(0, 40));
          check_value(*f, v);
          if (!v.is_null()) b.values[k] = v;
        }
      auto at = cmd.after.empty() ? 0 : index_in(blocks, cmd.after) + 1;
      blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(at), std::move(b));
      add_block_streams(*ls, cmd.block);
      break;
    }
    case command_op::remove_block:
      live_block(cmd.block).removed = true;
      break;
    case command_op::restore_block: {
      auto* b = find_block_mut(cmd.block);
      if (!b) throw coded_error("unknown_block", "no block " + cmd.block.substr(0, 40));
      if (!b->removed) throw coded_error("not_removed", "block " + cmd.block + " is not removed");
      b->removed = false;
      break;
    }
    case command_op::move_block: {
      auto& moving = live_block(cmd.block);
      if (cmd.after == cmd.block) throw coded_error("bad_command", "a block cannot move after itself");
      auto& blocks = lists_[moving.list];
      if (!cmd.after.empty()) index_in(blocks, cmd.after);  // must be in the same list
      auto from = index_in(blocks, cmd.block);
      block moved = std::move(blocks[from]);
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(from));
      auto at = cmd.after.empty() ? 0 : index_in(blocks, cmd.after) + 1;
      blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(at), std::move(moved));
      break;
    }
    case command_op::set_value: {
      const field_spec* f = nullptr;
      std::map<std::string, nlohmann::json>* values = nullptr;
      if (cmd.block == "unit") {
        f = spec_->unit_field(cmd.field);
        values = &unit_values_;
      } else {
        auto& b = live_block(cmd.block);
        f = spec_->list(b.list)->field(cmd.field);
        values = &b.values;
      }
      if (!f || !is_scalar(f->kind)) throw coded_error("unknown_field", "no scalar field " + cmd.field.substr(0, 40));
      check_value(*f, cmd.value);
      if (cmd.value.is_null()) values->erase(cmd.field);
      else (*values)[cmd.field] = cmd.value;
      if (values == &unit_values_) values_by_[cmd.field] = {author, time};
      break;
    }
    case command_op::add_comment: {
      if (find_comment(cmd.block)) throw coded_error("duplicate_id", "comment id already used");
      if (comments_.size() >= limits_.max_comments) throw coded_error("too_large", "too many comments");
      if (!spec_->has_section(cmd.target) && !find_block_mut(cmd.target) && cmd.target != "unit")
        throw coded_error("unknown_block", "no section or block " + cmd.target.substr(0, 40));
      if (!cmd.parent.empty()) {
        auto* p = find_comment(cmd.parent);
        if (!p || !p->parent.empty()) throw coded_error("unknown_comment", "replies go to the first comment of a thread");
        if (p->target != cmd.target) throw coded_error("bad_command", "a reply must be about the same section");
      }
      comments_.push_back({cmd.block, cmd.target, cmd.parent, author, time, cmd.text, false, 0, 0});
      break;
    }
    case command_op::resolve_comment: {
      auto* c = find_comment(cmd.block);
      if (!c) throw coded_error("unknown_comment", "no comment " + cmd.block.substr(0, 40));
      if (!c->parent.empty()) throw coded_error("bad_command", "resolve the thread, not a reply");
      c->resolved = cmd.resolved;
      c->resolved_by = cmd.resolved ? author : 0;
      c->resolved_at = cmd.resolved ? time : 0;
      break;
    }
    case command_op::add_tag: {
      for (const auto& t : tags_)
        if (t.id == cmd.block) throw coded_error("duplicate_id", "tag id already used");
      if (tags_.size() >= limits_.max_comments) throw coded_error("too_large", "too many tags");
      if (areas_.empty() ? cmd.area.empty() : !areas_.count(cmd.area))
        throw coded_error("bad_value", "unknown area of expertise " + cmd.area.substr(0, 40));
      tag_entry t{cmd.block, cmd.area, cmd.target, -1, -1, cmd.by ? cmd.by : author, author, time, {}, false};
      if (t.by && !members_.empty() && !members_.count(t.by)) throw coded_error("bad_value", "tags name a member's expertise");
      if (cmd.from >= 0) {
        const auto* s = find_stream(cmd.target);
        if (!s) throw coded_error("unknown_stream", "no text field " + cmd.target.substr(0, 80));
        std::vector<std::shared_ptr<const text_update>> since;
        if (cmd.version >= 0) {
          if (static_cast<std::uint64_t>(cmd.version) > s->version)
            throw coded_error("bad_version", "the field has no version " + std::to_string(cmd.version) + " yet");
          if (!text_updates_since(cmd.target, static_cast<std::uint64_t>(cmd.version), since))
            throw coded_error("stale_version", "the field's history no longer reaches version " + std::to_string(cmd.version));
        }
        auto length = since.empty() ? static_cast<std::int64_t>(s->text.size())
                                    : static_cast<std::int64_t>(since.front()->changes.length());
        if (cmd.to > length) throw coded_error("bad_value", "the passage is outside the text");
        t.from = cmd.from;
        t.to = cmd.to;
        // Carried through what was written since, as tags already in place are (see push()).
        for (const auto& u : since) carry_passage(t, u->changes);
        if (cmd.version >= 0) {
          placed = cmd;  // recorded at the head, so replaying the log needs no history
          placed->from = t.from;
          placed->to = t.to;
          placed->version = -1;
        }
      } else {
        auto* b = find_block_mut(cmd.target);
        if (!spec_->has_section(cmd.target) && !b && cmd.target != "unit")
          throw coded_error("unknown_block", "no section or block " + cmd.target.substr(0, 40));
        if (b && b->removed) throw coded_error("block_removed", "block " + cmd.target + " was removed");
      }
      tags_.push_back(std::move(t));
      break;
    }
    case command_op::acknowledge_tag:
    case command_op::remove_tag: {
      tag_entry* t = nullptr;
      for (auto& x : tags_)
        if (x.id == cmd.block && !x.removed) t = &x;
      if (!t) throw coded_error("unknown_tag", "no tag " + cmd.block.substr(0, 40));
      if (cmd.op == command_op::remove_tag) {
        if (author != t->tagged_by && author != t->by)
          throw coded_error("not_allowed", "only the partner who added a tag, or whose expertise it names, removes it");
        // Dropped, not kept as removed: a snapshot (structure_json) leaves removed tags out, so a
        // unit restored from one would otherwise accept an id or a tag count the live one refuses.
        tags_.erase(tags_.begin() + (t - tags_.data()));
        break;
      }
      if (author == t->by) throw coded_error("not_allowed", "acknowledge your partner's expertise, not your own");
      auto& acks = t->acknowledged_by;
      auto it = std::find(acks.begin(), acks.end(), author);
      if (cmd.resolved && it == acks.end()) acks.push_back(author);
      if (!cmd.resolved && it != acks.end()) acks.erase(it);
      break;
    }
  }
  auto su = std::make_shared<structure_update>();
  su->version = structure_version_++;
  su->client_id = client_id;
  su->seq = seq;
  su->author = author;
  su->time = time;
  su->cmd = placed ? std::move(*placed) : cmd;
  recent_structure_.push_back(su);
  while (recent_structure_.size() > limits_.recent_kept) recent_structure_.pop_front();
  ++total_ops_;
  return su;
}

bool unit_doc::text_updates_since(const std::string& stream, std::uint64_t version,
                                  std::vector<std::shared_ptr<const text_update>>& out) const {
  const auto* s = find_stream(stream);
  if (!s || version > s->version) return false;
  std::uint64_t first = s->first_kept();
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
  nlohmann::json lists = nlohmann::json::object();
  for (const auto& [id, blocks] : lists_) {
    auto arr = nlohmann::json::array();
    for (const auto& b : blocks) arr.push_back({{"id", b.id}, {"removed", b.removed}, {"values", b.values}});
    lists[id] = std::move(arr);
  }
  auto comments = nlohmann::json::array();
  for (const auto& c : comments_)
    comments.push_back({{"id", c.id},       {"target", c.target},     {"parent", c.parent},
                        {"author", c.author}, {"time", c.time},       {"text", c.text},
                        {"resolved", c.resolved}, {"resolvedBy", c.resolved_by}, {"resolvedAt", c.resolved_at}});
  nlohmann::json by = nlohmann::json::object();
  for (const auto& [k, v] : values_by_) by[k] = {v.first, v.second};
  auto tags = nlohmann::json::array();
  for (const auto& t : tags_) {
    if (t.removed) continue;
    nlohmann::json tj{{"id", t.id}, {"area", t.area}, {"target", t.target}, {"by", t.by},
                      {"taggedBy", t.tagged_by}, {"time", t.time}, {"acknowledgedBy", t.acknowledged_by}};
    if (t.from >= 0) {
      tj["from"] = t.from;
      tj["to"] = t.to;
    }
    tags.push_back(std::move(tj));
  }
  return {{"version", structure_version_},
          {"values", unit_values_},
          {"valuesBy", std::move(by)},
          {"tags", std::move(tags)},
          {"lists", std::move(lists)},
          {"comments", std::move(comments)}};
}

nlohmann::json unit_doc::stream_json(const std::string& id) const {
  const auto& s = streams_.at(id);
  return {{"version", s.version}, {"text", s.text.to_utf8()}, {"authors", s.authors.to_json()}};
}

nlohmann::json unit_doc::to_json() const {
  nlohmann::json streams = nlohmann::json::object();
  for (const auto& [id, s] : streams_) streams[id] = stream_json(id);
  return {{"template", spec_->id()}, {"ops", total_ops_}, {"structure", structure_json()}, {"streams", std::move(streams)}};
}

void unit_doc::append_json_members(std::string& out) const {
  out += "\"ops\":";
  out += std::to_string(total_ops_);
  out += ",\"streams\":{";
  bool first = true;
  for (const auto& [id, s] : streams_) {
    if (!first) out.push_back(',');
    first = false;
    out += nlohmann::json(id).dump();
    out.push_back(':');
    append_stream_json(out, id);
  }
  out += "},\"structure\":";
  out += structure_json().dump();
  out += ",\"template\":";
  out += nlohmann::json(spec_->id()).dump();
}

void unit_doc::append_stream_json(std::string& out, const std::string& id, std::string_view more) const {
  const auto& s = streams_.at(id);
  out += "{\"authors\":";
  s.authors.append_json(out);
  out += ",\"text\":";
  s.text.append_json(out);
  out += ",\"version\":";
  out += std::to_string(s.version);
  out += more;
  out.push_back('}');
}

unit_doc unit_doc::copy_for_reuse() const {
  unit_doc d(spec_, limits_);
  static const std::set<std::string> dropped{"phase", "start_date", "end_date", "participants", "met_expectations"};
  for (const auto& [k, v] : unit_values_)
    if (!dropped.count(k)) d.unit_values_[k] = v;
  d.members_ = members_;
  for (const auto& [list, blocks] : lists_)
    for (const auto& b : blocks) {
      if (b.removed) continue;
      d.lists_[list].push_back({b.id, list, false, b.values});
      d.add_block_streams(*spec_->list(list), b.id);
    }
  for (auto& [id, s] : d.streams_) {
    const auto& from = streams_.at(id);
    s.text = from.text;
    s.authors = from.authors;
  }
  return d;
}

unit_doc unit_doc::from_json(std::shared_ptr<const template_spec> spec, unit_limits limits, const nlohmann::json& j) {
  unit_doc d(std::move(spec), limits);
  const auto& st = j.at("structure");
  d.structure_version_ = st.at("version").get<std::uint64_t>();
  d.unit_values_ = st.at("values").get<std::map<std::string, nlohmann::json>>();
  if (st.contains("valuesBy"))
    for (const auto& [k, v] : st.at("valuesBy").items()) d.values_by_[k] = {v.at(0), v.at(1)};
  for (const auto& [list_id, blocks] : st.at("lists").items()) {
    const auto* ls = d.spec_->list(list_id);
    if (!ls) throw std::runtime_error("snapshot: unknown list " + list_id);
    for (const auto& b : blocks) {
      block bl{b.at("id").get<std::string>(), list_id, b.at("removed").get<bool>(),
               b.at("values").get<std::map<std::string, nlohmann::json>>()};
      d.add_block_streams(*ls, bl.id);
      d.lists_[list_id].push_back(std::move(bl));
    }
  }
  d.total_ops_ = j.value("ops", std::uint64_t{0});
  if (st.contains("tags"))
    for (const auto& t : st.at("tags"))
      d.tags_.push_back({t.at("id"), t.at("area"), t.at("target"), t.value("from", std::int64_t{-1}), t.value("to", std::int64_t{-1}),
                         t.at("by"), t.at("taggedBy"), t.at("time"), t.at("acknowledgedBy").get<std::vector<std::uint32_t>>(),
                         false});
  for (const auto& c : st.at("comments"))
    d.comments_.push_back({c.at("id"), c.at("target"), c.at("parent"), c.at("author"), c.at("time"), c.at("text"),
                           c.at("resolved"), c.at("resolvedBy"), c.at("resolvedAt")});
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
