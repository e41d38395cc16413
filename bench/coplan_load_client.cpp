// Coplan's protocol for the load generator (see coplan_load_client.hpp and docs/protocol.md).
#include "coplan_load_client.hpp"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "text/utf16.hpp"

namespace coplan::bench {

using nlohmann::json;

coplan_load_client::coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                       const std::string& unit_id, std::string cookie, load_events* events,
                                       std::string client_id, std::string stream)
    : coplan_load_client(ioc, endpoint, unit_id, std::move(cookie), events,
                         {std::make_shared<coplan_field_state>(std::move(stream), std::move(client_id))}) {}

coplan_load_client::coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                       const std::string& unit_id, std::string cookie, load_events* events,
                                       std::vector<std::shared_ptr<coplan_field_state>> fields,
                                       std::shared_ptr<structure_client> structure)
    : load_connection(ioc, endpoint, "/api/units/" + unit_id + "/ws", std::move(cookie), events),
      fields_(std::move(fields)),
      structure_(std::move(structure)) {}

void coplan_load_client::on_open() {
  json streams = json::object();
  for (auto& f : fields_) {
    f->collab.disconnected();
    if (f->welcomed) streams[f->collab.stream()] = f->collab.version();
  }
  auto client_id = structure_ ? structure_->client_id() : fields_.front()->collab.client_id();
  send(json{{"type", "hello"}, {"clientID", client_id}, {"streams", streams}, {"batch", fields_.front()->batch}}.dump());
}

void coplan_field_state::type_token(std::uint64_t token) {
  auto ins = text::utf8_to_utf16(load_connection::token_text(token));
  auto length = static_cast<std::int64_t>(collab.text().size());
  auto edit = text::change_set::replace(length, 0, 0, ins);
  // A long run of the contention workload (ten editors, 17,000 edits a second) would fill the
  // field up to its limit (a million characters; the server refuses more): past max_length, each
  // edit also removes as many characters as it types, right after them (typing stays in one
  // place, and the removed ones are earlier tokens, already counted when they arrived).
  if (max_length > 0 && length > max_length) {
    auto n = static_cast<std::int64_t>(ins.size());
    edit = text::change_set::replace(length, 0, n, ins);
  }
  collab.edit(std::move(edit));
  unconfirmed_tokens.push_back(token);
}

void coplan_load_client::insert_token(std::uint64_t token) { insert_token(std::size_t{0}, token); }

void coplan_load_client::insert_token(std::size_t field, std::uint64_t token) {
  auto& f = *fields_.at(field);
  f.type_token(token);
  if (is_ready()) flush(f);
}

void coplan_load_client::command(json cmd) {
  auto seq = structure_->add(std::move(cmd));
  if (is_ready()) send(structure_->message(seq));
}

void coplan_load_client::flush(coplan_field_state& f) {
  if (auto m = f.collab.next_push()) send(std::move(*m));
}

std::optional<std::string> coplan_load_client::text() const { return fields_.front()->collab.text().to_utf8(); }

coplan_field_state* coplan_load_client::field(std::string_view stream) {
  for (auto& f : fields_)
    if (stream == f->collab.stream()) return f.get();
  return nullptr;
}

namespace {
// Every inserted string in a ChangeSet's JSON form ([retain, [deleted, "line", "line"...], ...]).
template <class F>
void inserted_strings(const json& changes, F&& f) {
  for (const auto& part : changes)
    if (part.is_array())
      for (std::size_t i = 1; i < part.size(); ++i)
        if (part[i].is_string()) f(part[i].get_ref<const std::string&>());
}


// The same, read with simdjson.
template <class F>
void inserted_strings(simdjson::dom::element changes, F&& f) {
  simdjson::dom::array parts;
  if (changes.get(parts)) return;
  for (simdjson::dom::element part : parts) {
    simdjson::dom::array lines;
    if (part.get(lines)) continue;
    bool first = true;
    for (simdjson::dom::element line : lines) {
      std::string_view s;
      if (!first && !line.get(s)) f(s);
      first = false;
    }
  }
}

// Every string the updates from `first` on insert, for those the client has not seen yet and did not
// make itself (what the load generator counts as arrived), with either JSON library's updates.
template <class Updates, class ClientIdOf, class ChangesOf, class F>
void remote_inserts(const collab_client& c, std::uint64_t first, const Updates& updates, ClientIdOf&& client_id_of,
                    ChangesOf&& changes_of, F&& f) {
  std::uint64_t v = first;
  for (auto&& u : updates)
    if (v++ >= c.version() && client_id_of(u) != c.client_id()) inserted_strings(changes_of(u), f);
}

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}
}  // namespace

// Frames are read with simdjson: `updates` and `pushed`, nearly every message under load, are
// handled from simdjson's document; the rest (welcome, command answers, errors) as nlohmann::json
// values.
void coplan_load_client::on_message(std::string_view message) {
  simdjson::dom::element frame;
  if (auto error = thread_parser().parse(message.data(), message.size()).get(frame)) {
    if (events().failed) events().failed(*this, std::string("bad_json: ") + simdjson::error_message(error));
    return;
  }
  // A batched frame (hello "batch": true) holds an array of messages.
  simdjson::dom::array messages;
  if (frame.get(messages)) return handle_element(frame);
  for (simdjson::dom::element m : messages) handle_element(m);
}

void coplan_load_client::handle_element(simdjson::dom::element m) {
  std::string_view type, stream;
  simdjson::dom::array updates;
  if (!m["type"].get(type) && type == "pushed") {
    // The answer to each of its own pushes: as common as updates under load, read in place too.
    // Without a known field's name (a string) it answers nothing of ours.
    bool ok = false;
    if (m["ok"].get(ok)) ok = false;
    auto* f = m["stream"].get(stream) ? nullptr : field(stream);
    if (f) {
      f->collab.pushed(ok);
      flush(*f);
    }
    return;
  }
  if (type != "updates") return handle(json::parse(simdjson::minify(m)));
  if (m["stream"].get(stream) || m["updates"].get(updates)) {
    if (events().failed) events().failed(*this, "bad_message: an updates message without stream or updates");
    return;
  }
  auto* f = field(stream);
  if (!f || updates.size() == 0) return;
  std::uint64_t first = 0;
  if ((*updates.begin())["v"].get(first)) {
    if (events().failed) events().failed(*this, "bad_message: an update without v");
    return;
  }
  auto& c = f->collab;
  auto client_id_of = [](simdjson::dom::element u) { return u["clientID"].get_string().value(); };
  auto changes_of = [](simdjson::dom::element u) { return u["changes"].value(); };
  if (events().remote_text)
    remote_inserts(c, first, updates, client_id_of, changes_of, [&](std::string_view s) { events().remote_text(*this, s); });
  auto confirmed = c.receive(first, updates, client_id_of, [&](simdjson::dom::element u) {
    return text::change_set::from_simdjson(changes_of(u), 1 << 30, 1 << 30);
  });
  confirm(*f, confirmed.size());
  flush(*f);
}

void coplan_load_client::on_welcome(const json& m) {
  const auto& streams = m["streams"];
  for (auto& f : fields_) {
    auto& c = f->collab;
    auto s = streams.find(c.stream());
    if (s == streams.end()) {
      if (events().failed) events().failed(*this, "unknown_stream: the welcome lacks " + c.stream());
      continue;
    }
    if (s->contains("from")) {
      receive(*f, (*s)["from"].get<std::uint64_t>(), (*s)["updates"]);
    } else {
      if (!f->unconfirmed_tokens.empty() && events().failed)
        events().failed(*this, "lost_edits: the server sent the whole field again; unconfirmed edits could not be rebased");
      c.reset((*s)["version"].get<std::uint64_t>(), text::utf8_to_utf16((*s)["text"].get<std::string>()));
      f->unconfirmed_tokens.clear();
    }
    f->welcomed = true;
  }
  if (structure_) structure_->welcome(m["unit"]["template"], m["structure"]);
  mark_ready();
  // As the browser: pending commands first, then the fields' pushes.
  if (structure_)
    for (auto& cmd : structure_->pending_messages()) send(std::move(cmd));
  for (auto& f : fields_) flush(*f);
}

void coplan_load_client::handle(const json& m) {
  const auto& type = m["type"].get_ref<const std::string&>();
  if (type == "welcome") {
    on_welcome(m);
  } else if (type == "cmd" && structure_) {
    auto why = structure_->on_command(m);
    if (!why.empty() && events().failed) events().failed(*this, "structure: " + why);
  } else if (type == "cmd_ack" && structure_) {
    structure_->on_ack(m["seq"].get<std::uint64_t>());
  } else if (type == "error") {
    if (events().failed) events().failed(*this, m.value("code", std::string("error")) + ": " + m.value("message", ""));
  }
}

void coplan_load_client::receive(coplan_field_state& f, std::uint64_t first, const json& updates) {
  auto& c = f.collab;
  if (events().remote_text)
    remote_inserts(
        c, first, updates, [](const json& u) { return std::string_view(u["clientID"].get_ref<const std::string&>()); },
        [](const json& u) -> const json& { return u["changes"]; }, [&](std::string_view s) { events().remote_text(*this, s); });
  confirm(f, c.receive(first, updates).size());
}

void coplan_load_client::confirm(coplan_field_state& f, std::size_t confirmed) {
  for (std::size_t i = 0; i < confirmed && !f.unconfirmed_tokens.empty(); ++i) {
    auto token = f.unconfirmed_tokens.front();
    f.unconfirmed_tokens.pop_front();
    if (events().acked) events().acked(*this, token);
  }
}

}  // namespace coplan::bench
