// IdleSweep: gives back the memory of quiet connections (DESIGN.md "Threads
// and memory": per-session memory is a first-class metric). Every period,
// each connection of the worker thread that has received nothing for a whole
// period is asked to release what it can rebuild on demand (the XML parser's
// state, a few KiB). Most connections of a chat server are idle most of the
// time, so this is where the per-session memory goes down; a busy connection
// is never touched.
//
// One per worker thread, owned by the WorkerPool; a connection joins the
// sweep of the thread it lives on and leaves it there. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <chrono>

namespace parley {

class IdleSweep {
public:
    // A connection that can shrink while idle.
    class Member : public boost::intrusive::list_base_hook<> {
    public:
        virtual ~Member() = default;
        // Something arrived: not idle this period.
        void touch() { active_ = true; }

    protected:
        // Called on the member's thread when it was quiet for a whole period.
        virtual void release_idle_memory() = 0;

    private:
        friend class IdleSweep;
        bool active_ = true;
    };

    static constexpr std::chrono::seconds kPeriod{5};

    explicit IdleSweep(boost::asio::io_context& ctx);
    ~IdleSweep();

    // The sweep of the calling worker thread, or nullptr on other threads.
    static IdleSweep* current();

    void join(Member& m);
    void leave(Member& m);  // safe to call twice
    void start();           // on the worker thread
    void stop();            // on the worker thread; lets its io_context run out of work

private:
    friend class WorkerPool;
    static void set_current(IdleSweep* sweep);
    void arm();
    void sweep();

    boost::asio::steady_timer timer_;
    boost::intrusive::list<Member> members_;
    bool stopped_ = false;
};

}  // namespace parley
