using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ChangemakerLite.TestSupport;

/// <summary>
/// The test framework of every test project (named by an assembly attribute in each): xUnit's own, plus two rules.
/// <list type="bullet">
/// <item>A test class deriving from <see cref="ClusterTest"/> gets one database and cluster for the whole class, started
/// by its first test and stopped after its last (see <see cref="SharedClusters"/>); a class marked
/// <see cref="ClusterPerTestAttribute"/> gets a fresh one for every test, as fixtures that derive from
/// <see cref="ClusterTest"/> do for their own lifetime.</item>
/// <item>Every async test that names no timeout of its own gets <see cref="DefaultTimeout"/>, so a hung cluster fails
/// its test instead of the whole run.</item>
/// </list>
/// </summary>
public sealed class ClusterTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    public const string TypeName = "ChangemakerLite.TestSupport.ClusterTestFramework";
    public const string AssemblyName = "ChangemakerLite.TestSupport";

    /// <summary>The longest a test may take unless its [Fact]/[Theory] names a Timeout (TEST_TIMEOUT_SECONDS overrides it).</summary>
    public static readonly TimeSpan DefaultTimeout =
        int.TryParse(Environment.GetEnvironmentVariable("TEST_TIMEOUT_SECONDS"), out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(5);

    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink,
            ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        // xUnit's own limit on collections (classes) in flight (maxParallelThreads, the "conservative" algorithm) lives in
        // the RunTestCollectionAsync this runner replaces, so it is kept here. Without it every class of the project
        // starts at once: a hundred clusters alive together, each polling its database, until PostgreSQL refuses new
        // connections ("too many clients") and a class fixture fails to start.
        private readonly SemaphoreSlim _classesInFlight = new(MaxClassesInFlight(executionOptions));

        private static int MaxClassesInFlight(ITestFrameworkExecutionOptions options) =>
            options.MaxParallelThreadsOrDefault() is var threads and > 0 ? threads : Environment.ProcessorCount;

        protected override async Task<RunSummary> RunTestCollectionAsync(IMessageBus messageBus, ITestCollection testCollection,
            IEnumerable<IXunitTestCase> testCases, CancellationTokenSource cancellationTokenSource)
        {
            await _classesInFlight.WaitAsync(cancellationTokenSource.Token);
            try
            {
                return await new CollectionRunner(testCollection, testCases, DiagnosticMessageSink, messageBus, TestCaseOrderer,
                    new ExceptionAggregator(Aggregator), cancellationTokenSource).RunAsync();
            }
            finally
            {
                _classesInFlight.Release();
            }
        }

        public override void Dispose()
        {
            _classesInFlight.Dispose();
            base.Dispose();
        }
    }

    private sealed class CollectionRunner(ITestCollection testCollection, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageBus messageBus, ITestCaseOrderer testCaseOrderer, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
        : XunitTestCollectionRunner(testCollection, testCases, diagnosticMessageSink, messageBus, testCaseOrderer, aggregator, cancellationTokenSource)
    {
        protected override Task<RunSummary> RunTestClassAsync(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases)
        {
            var cases = testCases.ToList();
            foreach (var testCase in cases) ApplyDefaultTimeout(testCase);
            return new ClassRunner(testClass, @class, cases, DiagnosticMessageSink, MessageBus, TestCaseOrderer,
                new ExceptionAggregator(Aggregator), CancellationTokenSource, CollectionFixtureMappings).RunAsync();
        }
    }

    private sealed class ClassRunner(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnosticMessageSink, IMessageBus messageBus, ITestCaseOrderer testCaseOrderer, ExceptionAggregator aggregator,
        CancellationTokenSource cancellationTokenSource, IDictionary<Type, object> collectionFixtureMappings)
        : XunitTestClassRunner(testClass, @class, testCases, diagnosticMessageSink, messageBus, testCaseOrderer, aggregator,
            cancellationTokenSource, collectionFixtureMappings)
    {
        private bool _shared;

        protected override async Task AfterTestClassStartingAsync()
        {
            await base.AfterTestClassStartingAsync();
            var type = Class.Type;
            _shared = typeof(ClusterTest).IsAssignableFrom(type) && !type.IsDefined(typeof(ClusterPerTestAttribute), inherit: true);
            if (_shared) SharedClusters.Open(type);
        }

        protected override async Task BeforeTestClassFinishedAsync()
        {
            if (_shared)
            {
                var problems = await SharedClusters.CloseAsync(Class.Type);
                Teardown.Report(Class.Type.Name, problems);
                foreach (var problem in problems)
                    DiagnosticMessageSink.OnMessage(new DiagnosticMessage($"[teardown {Class.Type.Name}] {problem}"));
            }
            await base.BeforeTestClassFinishedAsync();
        }
    }

    // xUnit keeps a test case's timeout in a property set from its attribute; a test case without one gets ours.
    private static readonly MethodInfo TimeoutSetter =
        typeof(XunitTestCase).GetProperty(nameof(XunitTestCase.Timeout))?.GetSetMethod(nonPublic: true)
        ?? throw new InvalidOperationException("This xUnit version has no settable XunitTestCase.Timeout; the default test timeout needs another way.");

    private static void ApplyDefaultTimeout(IXunitTestCase testCase)
    {
        if (testCase is not XunitTestCase { Timeout: 0 } xunitCase) return;
        var method = testCase.Method.ToRuntimeMethod();
        if (method is null || !typeof(Task).IsAssignableFrom(method.ReturnType) && method.ReturnType != typeof(ValueTask)) return;
        TimeoutSetter.Invoke(xunitCase, [(int)DefaultTimeout.TotalMilliseconds]);
    }
}

/// <summary>
/// On a <see cref="ClusterTest"/> class: every test gets a database and cluster of its own instead of sharing the class's.
/// Only for tests that break the cluster on purpose (kill silos) or depend on process-wide state no test can keep to
/// itself (per-IP rate limits: every test calls from 127.0.0.1).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ClusterPerTestAttribute : Attribute;

/// <summary>The database and cluster each running <see cref="ClusterTest"/> class shares among its tests.</summary>
internal static class SharedClusters
{
    private static readonly ConcurrentDictionary<Type, Slot> Slots = new();

    public static void Open(Type testClass) => Slots[testClass] = new Slot();

    public static Slot? For(Type testClass) => Slots.TryGetValue(testClass, out var slot) ? slot : null;

    public static async Task<IReadOnlyList<string>> CloseAsync(Type testClass) =>
        Slots.TryRemove(testClass, out var slot) ? await slot.DisposeAsync() : [];

    internal sealed class Slot
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private (TestDatabase Db, LocalCluster Cluster)? _started;
        private Exception? _failed;

        /// <summary>The class's database and cluster, started on first use. A start that failed fails every test of the class at once.</summary>
        public async Task<(TestDatabase Db, LocalCluster Cluster)> GetAsync(Func<Task<(TestDatabase, LocalCluster)>> start)
        {
            await _gate.WaitAsync();
            try
            {
                if (_failed is not null) throw new InvalidOperationException("The class's shared cluster failed to start.", _failed);
                if (_started is { } started) return started;
                try
                {
                    _started = await start();
                    return _started.Value;
                }
                catch (Exception ex)
                {
                    _failed = ex;
                    throw;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task<IReadOnlyList<string>> DisposeAsync()
        {
            if (_started is not { } started) return [];
            var problems = new List<string>(await started.Cluster.StopAllAsync());
            try { await started.Db.DisposeAsync(); }
            catch (Exception ex) { problems.Add($"dropping database {started.Db.Name}: {ex.Message}"); }
            return problems;
        }
    }
}
