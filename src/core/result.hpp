// Result<T, E>: a value or an error, the data path's way of failing
// (STYLE.md b.8). Error values are cheap to move; Result is [[nodiscard]] so
// an unchecked failure is a compile warning.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace parley {

// A generic environment failure (storage, file, config): what went wrong, in
// words a user can act on.
struct Error {
    std::string message;
};

template <class E>
struct Unexpected {
    E error;
};

template <class E>
Unexpected<std::decay_t<E>> fail(E&& e) {
    return {std::forward<E>(e)};
}
inline Unexpected<Error> fail(std::string message) { return {Error{std::move(message)}}; }

template <class T, class E = Error>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    template <class U>
    Result(Unexpected<U> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
public:
    Result() = default;
    template <class U>
    Result(Unexpected<U> e) : e_(E(std::move(e.error))) {}

    bool ok() const { return !e_.has_value(); }
    explicit operator bool() const { return ok(); }
    const E& error() const { assert(!ok()); return *e_; }

private:
    std::optional<E> e_;
};

}  // namespace parley
