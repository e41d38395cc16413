// Coplan's protocol for the load generator (see coplan_load_client.hpp and docs/protocol.md).
#include "coplan_load_client.hpp"

#include <nlohmann/json.hpp>

#include "text/utf16.hpp"

namespace coplan::bench {

using nlohmann::json;

coplan_load_client::coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                       const std::string& unit_id, std::string cookie, load_events* events,
                                       std::string client_id, std::string stream)
    : coplan_load_client(ioc, endpoint, unit_id, std::move(cookie), events,
                         std::make_shared<coplan_field_state>(std::move(stream), std::move(client_id))) {}

coplan_load_client::coplan_load_client(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                                       const std::string& unit_id, std::string cookie, load_events* events,
                                       std::shared_ptr<coplan_field_state> state)
    : load_connection(ioc, endpoint, "/api/units/" + unit_id + "/ws", std::move(cookie), events), state_(std::move(state)) {}

void coplan_load_client::on_open() {
  auto& c = state_->collab;
  c.disconnected();
  json streams = json::object();
  if (state_->welcomed) streams[c.stream()] = c.version();
  send(json{{"type", "hello"}, {"clientID", c.client_id()}, {"streams", streams}, {"batch", state_->batch}}.dump());
}

void coplan_field_state::type_token(std::uint64_t token) {
  auto ins = text::utf8_to_utf16(load_connection::token_text(token));
  collab.edit(text::change_set::replace(static_cast<std::int64_t>(collab.text().size()), 0, 0, ins));
  unconfirmed_tokens.push_back(token);
}

void coplan_load_client::insert_token(std::uint64_t token) {
  state_->type_token(token);
  if (is_ready()) flush();
}

void coplan_load_client::flush() {
  if (auto m = state_->collab.next_push()) send(std::move(*m));
}

std::optional<std::string> coplan_load_client::text() const { return state_->collab.text().to_utf8(); }

namespace {
// Every inserted string in a ChangeSet's JSON form ([retain, [deleted, "line", "line"...], ...]).
template <class F>
void inserted_strings(const json& changes, F&& f) {
  for (const auto& part : changes)
    if (part.is_array())
      for (std::size_t i = 1; i < part.size(); ++i)
        if (part[i].is_string()) f(part[i].get_ref<const std::string&>());
}
}  // namespace

void coplan_load_client::on_message(std::string_view message) {
  auto frame = json::parse(message);
  // A batched frame (hello "batch": true) holds an array of messages.
  if (!frame.is_array()) return handle(frame);
  for (const auto& m : frame) handle(m);
}

void coplan_load_client::handle(const json& m) {
  const auto& type = m["type"].get_ref<const std::string&>();
  auto& c = state_->collab;
  if (type == "welcome") {
    const auto& s = m["streams"][c.stream()];
    if (s.contains("from")) {
      receive(s["from"].get<std::uint64_t>(), s["updates"]);
    } else {
      if (!state_->unconfirmed_tokens.empty() && events().failed)
        events().failed(*this, "lost_edits: the server sent the whole field again; unconfirmed edits could not be rebased");
      c.reset(s["version"].get<std::uint64_t>(), text::utf8_to_utf16(s["text"].get<std::string>()));
      state_->unconfirmed_tokens.clear();
    }
    state_->welcomed = true;
    mark_ready();
    flush();
  } else if (type == "updates" && m["stream"] == c.stream()) {
    const auto& updates = m["updates"];
    if (updates.empty()) return;
    receive(updates[0]["v"].get<std::uint64_t>(), updates);
    flush();
  } else if (type == "pushed") {
    c.pushed(m.value("ok", false));
    flush();
  } else if (type == "error") {
    if (events().failed) events().failed(*this, m.value("code", std::string("error")) + ": " + m.value("message", ""));
  }
}

void coplan_load_client::receive(std::uint64_t first, const json& updates) {
  auto& c = state_->collab;
  for (const auto& u : updates)
    if (u["v"].get<std::uint64_t>() >= c.version() && u["clientID"] != c.client_id() && events().remote_text)
      inserted_strings(u["changes"], [&](const std::string& s) { events().remote_text(*this, s); });
  auto confirmed = c.receive(first, updates);
  for (std::size_t i = 0; i < confirmed.size() && !state_->unconfirmed_tokens.empty(); ++i) {
    auto token = state_->unconfirmed_tokens.front();
    state_->unconfirmed_tokens.pop_front();
    if (events().acked) events().acked(*this, token);
  }
}

}  // namespace coplan::bench
