using ChangemakerLite.Grains.Media;

namespace ChangemakerLite.Grains.Tests.Media;

/// <summary>
/// The scheduler's admission rules, fed notices in exactly the orders that used to break them. A generation is the
/// job row's version after the write a notice follows; a run's start is a write too.
/// </summary>
public sealed class MediaSlotBookTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 22, 0, 0, DateTimeKind.Utc);

    private static Guid Job() => Guid.NewGuid();

    /// <summary>Admits the next job and lets it answer that it started at <paramref name="startGeneration"/>.</summary>
    private static Guid StartNext(MediaSlotBook book, int startGeneration)
    {
        var job = book.Admit(Now) ?? throw new InvalidOperationException("no job was admitted");
        book.Started(job, startGeneration);
        return job;
    }

    [Fact]
    public void A_late_queued_again_notice_of_an_earlier_attempt_does_not_free_the_slot_of_the_run_in_progress()
    {
        var book = new MediaSlotBook(1);
        var a = Job();
        var b = Job();
        Assert.True(book.Queued(a, 0, 0, null));
        Assert.Equal(a, StartNext(book, 1));
        // Attempt 1 fails: the job writes "queued" (generation 2) and says so; the scheduler hears it and starts attempt 2.
        Assert.True(book.Queued(a, 2, 0, null));
        Assert.Equal(a, StartNext(book, 3));
        // The same "queued again" notice arrives once more, late (a reminder's or a retried message): it must change nothing.
        Assert.False(book.Queued(a, 2, 0, null));
        Assert.Equal(3, book.StartOf(a));
        Assert.True(book.Queued(b, 0, 0, null));
        Assert.Null(book.Admit(Now));
        Assert.Equal([a], book.Holding);
        Assert.Equal([b], book.Waiting);
        // Attempt 2 ends (generation 4): only now is the slot free, and it goes to the waiting job.
        Assert.True(book.Ended(a, 4, Now));
        Assert.Equal(b, StartNext(book, 1));
        Assert.Equal(1, book.Held);
    }

    [Fact]
    public void A_queued_notice_sent_before_the_start_and_delivered_after_it_is_ignored()
    {
        var book = new MediaSlotBook(1);
        var a = Job();
        Assert.True(book.Queued(a, 0, 0, null));
        Assert.Equal(a, StartNext(book, 1));
        // The reminder's "still waiting" notice (generation 0) was sent before the start and overtaken by it.
        Assert.False(book.Queued(a, 0, 0, null));
        Assert.False(book.Ended(a, 0, Now));
        Assert.Equal(1, book.StartOf(a));
        Assert.Empty(book.Waiting);
    }

    [Fact]
    public void A_notice_overtaken_by_a_newer_one_cannot_bring_back_an_old_priority_or_backoff()
    {
        var book = new MediaSlotBook(1);
        var a = Job();
        var b = Job();
        Assert.True(book.Queued(a, 6, 10, null));
        Assert.False(book.Queued(a, 5, 0, Now.AddMinutes(5)));
        Assert.True(book.Queued(b, 0, 5, null));
        Assert.Equal(a, book.Admit(Now));
    }

    [Fact]
    public void A_start_without_an_answer_holds_its_slot_until_the_job_answers()
    {
        var book = new MediaSlotBook(1);
        var a = Job();
        var b = Job();
        book.Queued(a, 0, 0, null);
        book.Queued(b, 0, 0, null);
        Assert.Equal(a, book.Admit(Now));
        // No answer came (the call timed out): the job may run. No notice and no row without a run frees the slot.
        Assert.False(book.Queued(a, 0, 0, null));
        Assert.False(book.Ended(a, 9, Now));
        book.Observe(a, 0, running: false, runOpen: false, queued: true, 0, null, Now);
        Assert.Null(book.Admit(Now));
        Assert.Equal([a], book.UnknownStarts);
        // Asked again, it answers that it runs since generation 1; its end (generation 2) frees the slot.
        book.Started(a, 1);
        Assert.Empty(book.UnknownStarts);
        Assert.True(book.Ended(a, 2, Now));
        Assert.Equal(b, book.Admit(Now));
    }

    [Fact]
    public void A_job_that_no_longer_wants_its_slot_declines_and_the_slot_goes_to_the_next()
    {
        var book = new MediaSlotBook(1);
        var a = Job();
        var b = Job();
        book.Queued(a, 0, 5, null);
        book.Queued(b, 0, 0, null);
        Assert.Equal(a, book.Admit(Now));
        book.Declined(a, 1);
        Assert.False(book.Queued(a, 0, 5, null));
        Assert.Equal(b, book.Admit(Now));
    }

    [Fact]
    public void Rows_repair_lost_notices_and_an_open_run_keeps_its_slot()
    {
        var book = new MediaSlotBook(2);
        var running = Job();
        var cancelling = Job();
        var lost = Job();
        var waiting = Job();
        // At activation: a RUNNING row and a cancelled row whose process has not exited yet both hold slots.
        book.Observe(running, 3, running: true, runOpen: true, queued: false, 0, null, Now);
        book.Observe(cancelling, 4, running: false, runOpen: true, queued: false, 0, null, Now);
        book.Observe(waiting, 0, running: false, runOpen: false, queued: true, 0, null, Now);
        Assert.Equal(2, book.Held);
        Assert.Null(book.Admit(Now));
        // The cancelled run's end (written after its process exited) is newer than the row read: the slot is free.
        Assert.True(book.Ended(cancelling, 5, Now));
        Assert.Equal(waiting, StartNext(book, 1));
        // A run whose end notice was lost with its silo: the row is queued again and no run is open.
        Assert.True(book.Queued(lost, 0, 0, null));
        book.Observe(running, 7, running: false, runOpen: false, queued: true, 0, null, Now);
        Assert.Equal(new HashSet<Guid> { running, lost }, book.Waiting.ToHashSet());
        Assert.Equal([waiting], book.Holding);
    }

    [Fact]
    public void Backoff_and_priority_order_admission()
    {
        var book = new MediaSlotBook(3);
        var later = Job();
        var low = Job();
        var high = Job();
        var old = Job();
        book.Queued(later, 0, 100, Now.AddSeconds(30));
        book.Queued(old, 0, 1, null);
        book.Queued(low, 0, 0, null);
        book.Queued(high, 0, 1, null);
        Assert.Equal(old, book.Admit(Now));
        Assert.Equal(high, book.Admit(Now));
        Assert.Equal(low, book.Admit(Now));
        Assert.Null(book.Admit(Now.AddMinutes(1)));
    }

    /// <summary>
    /// Jobs fail, succeed, are cancelled while running and are queued again by hand and by reminders, while every notice
    /// is delivered late, out of order and some twice. At every step the book holds a slot for each job whose process
    /// runs, so never more processes run than slots; and once the notices are all delivered every job has ended.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 3)]
    [InlineData(5, 2)]
    public void Under_any_delivery_order_no_more_processes_run_than_slots(int seed, int slots)
    {
        var random = new Random(seed);
        var book = new MediaSlotBook(slots);
        var jobs = Enumerable.Range(0, 12).Select(_ => new FakeJob(Job())).ToList();
        var inFlight = new List<Action>();
        void Send(FakeJob job)
        {
            // A notice carries the generation and state of the write it follows, as the grain's Notify does.
            var (generation, state, priority) = (job.Generation, job.State, job.Priority);
            Action deliver = state == FakeState.Queued
                ? () => book.Queued(job.Id, generation, priority, null)
                : () => book.Ended(job.Id, generation, Now);
            inFlight.Add(deliver);
            if (random.Next(4) == 0) inFlight.Add(deliver);
        }
        void Dispatch()
        {
            while (book.Admit(Now) is { } id)
            {
                var job = jobs.Single(j => j.Id == id);
                if (job.Process) book.Started(id, job.Generation);
                else if (job.State != FakeState.Queued) book.Declined(id, job.Generation);
                else
                {
                    job.Write(FakeState.Running);
                    job.Process = true;
                    job.Attempts++;
                    book.Started(id, job.Generation);
                }
            }
        }
        foreach (var job in jobs) Send(job);

        for (var step = 0; step < 20_000 && (inFlight.Count > 0 || jobs.Any(j => j.State is FakeState.Queued or FakeState.Running || j.Process)); step++)
        {
            switch (random.Next(6))
            {
                case 0 or 1 when inFlight.Count > 0:
                    var at = random.Next(inFlight.Count);
                    var notice = inFlight[at];
                    inFlight.RemoveAt(at);
                    notice();
                    Dispatch();
                    break;
                case 2:
                    // A process exits: the run's end is written (completed, or queued again to retry), then told.
                    if (jobs.Where(j => j.Process).OrderBy(_ => random.Next()).FirstOrDefault() is { } ending)
                    {
                        ending.Process = false;
                        ending.Write(ending.State == FakeState.Cancelled ? FakeState.Cancelled
                            : ending.Attempts < 3 && random.Next(2) == 0 ? FakeState.Queued : FakeState.Completed);
                        Send(ending);
                    }
                    break;
                case 3:
                    // Cancel: while the process runs nothing is told (it is being stopped); otherwise the end is told.
                    if (jobs.Where(j => j.State is FakeState.Queued or FakeState.Running).OrderBy(_ => random.Next()).FirstOrDefault() is { } cancelled
                        && random.Next(4) == 0)
                    {
                        cancelled.Write(FakeState.Cancelled);
                        if (!cancelled.Process) Send(cancelled);
                    }
                    break;
                case 4:
                    // A reminder or a priority change re-sends a waiting job's notice; a retry by hand queues an ended one.
                    if (jobs.OrderBy(_ => random.Next()).First() is var poked)
                    {
                        if (poked.State == FakeState.Queued && random.Next(2) == 0) poked.Write(FakeState.Queued, priority: random.Next(5));
                        else if (poked.State is FakeState.Cancelled or FakeState.Completed && !poked.Process && random.Next(8) == 0)
                        {
                            poked.Attempts = 0;
                            poked.Write(FakeState.Queued);
                        }
                        if (poked.State == FakeState.Queued) Send(poked);
                    }
                    break;
                default:
                    Dispatch();
                    break;
            }
            var processes = jobs.Where(j => j.Process).Select(j => j.Id).ToHashSet();
            Assert.True(processes.IsSubsetOf(book.Holding), $"step {step}: a running process holds no slot");
            Assert.True(book.Held <= slots, $"step {step}: {book.Held} slots held of {slots}");
        }
        Assert.Empty(inFlight);
        Assert.All(jobs, j => Assert.True(j.State is FakeState.Completed or FakeState.Cancelled && !j.Process, $"job ended as {j.State}"));
        Assert.Equal(0, book.Held);
    }

    private enum FakeState { Queued, Running, Completed, Cancelled }

    /// <summary>A job's row: every write bumps its version, which is the generation of the notices that follow it.</summary>
    private sealed class FakeJob(Guid id)
    {
        public Guid Id { get; } = id;
        public int Generation { get; private set; }
        public FakeState State { get; private set; } = FakeState.Queued;
        public int Priority { get; private set; }
        public int Attempts { get; set; }
        public bool Process { get; set; }

        public void Write(FakeState state, int? priority = null)
        {
            State = state;
            Priority = priority ?? Priority;
            Generation++;
        }
    }
}
