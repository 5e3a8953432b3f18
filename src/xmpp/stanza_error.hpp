// Stanza errors (RFC 6120 §8.3) and stream errors (RFC 6120 §4.9): the error
// values the data path returns, and the builders that turn them into XML.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::xmpp {

// RFC 6120 §8.3.3 defined conditions.
enum class Condition {
    bad_request,
    conflict,
    feature_not_implemented,
    forbidden,
    gone,
    internal_server_error,
    item_not_found,
    jid_malformed,
    not_acceptable,
    not_allowed,
    not_authorized,
    policy_violation,
    recipient_unavailable,
    redirect,
    registration_required,
    remote_server_not_found,
    remote_server_timeout,
    resource_constraint,
    service_unavailable,
    subscription_required,
    undefined_condition,
    unexpected_request,
};
std::string_view to_string(Condition c);

// RFC 6120 §8.3.2 error types.
enum class ErrorType { auth, cancel, continue_, modify, wait };
std::string_view to_string(ErrorType t);

struct StanzaError {
    Condition condition = Condition::undefined_condition;
    ErrorType type = ErrorType::cancel;
    std::string text;
    xml::ElementPtr app_specific;  // optional application-specific condition element

    // The type RFC 6120 §8.3.3 recommends for each condition.
    static ErrorType default_type(Condition c);
    StanzaError() = default;
    StanzaError(Condition c, std::string t = {})
        : condition(c), type(default_type(c)), text(std::move(t)) {}
    StanzaError(Condition c, ErrorType ty, std::string t = {})
        : condition(c), type(ty), text(std::move(t)) {}

    xml::ElementPtr to_element() const;  // <error type='...'><condition/><text/></error>
};

// An error reply to `stanza` (RFC 6120 §8.3.1): same name, id; to/from
// swapped; type='error'; the original children kept (for message and
// presence) and the <error/> appended. Returns nullptr for a stanza that must
// not be answered with an error (type='error' itself, or an iq of type result).
xml::ElementPtr make_error_reply(const xml::Element& stanza, const StanzaError& err);

// RFC 6120 §4.9.3 stream error conditions.
enum class StreamCondition {
    bad_format,
    bad_namespace_prefix,
    conflict,
    connection_timeout,
    host_gone,
    host_unknown,
    improper_addressing,
    internal_server_error,
    invalid_from,
    invalid_namespace,
    invalid_xml,
    not_authorized,
    not_well_formed,
    policy_violation,
    remote_connection_failed,
    reset,
    resource_constraint,
    restricted_xml,
    see_other_host,
    system_shutdown,
    undefined_condition,
    unsupported_encoding,
    unsupported_feature,
    unsupported_stanza_type,
    unsupported_version,
};
std::string_view to_string(StreamCondition c);

struct StreamError {
    StreamError() = default;
    StreamError(StreamCondition c, std::string t, xml::ElementRef app = nullptr)
        : condition(c), text(std::move(t)), app_condition(std::move(app)) {}

    StreamCondition condition = StreamCondition::undefined_condition;
    std::string text;
    // RFC 6120 §4.9.4: an application-specific condition, e.g. XEP-0198's
    // <handled-count-too-high/>.
    xml::ElementRef app_condition;
    xml::ElementPtr to_element() const;  // <stream:error><cond/><text/><app/></stream:error>
};

}  // namespace parley::xmpp
