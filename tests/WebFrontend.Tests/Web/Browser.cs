using System.Collections.ObjectModel;
using System.Drawing;
using ChangemakerLite.TestSupport;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace ChangemakerLite.WebFrontend.Tests.Web;

/// <summary>
/// One headless Chromium for a test class (Debian's <c>chromium</c> driven by its <c>chromedriver</c>; nothing is
/// downloaded), phone-sized. Screenshots go to <see cref="ScreenshotFolder"/>, which the tests print.
/// </summary>
public sealed class Browser : IDisposable
{
    private readonly Lazy<ChromeDriver> _driver = new(Start);

    public ChromeDriver Driver => _driver.Value;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "web-screenshots");

    private static ChromeDriver Start()
    {
        var driverPath = Environment.GetEnvironmentVariable("CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        if (!File.Exists(driverPath))
            throw new InvalidOperationException($"{driverPath} is missing: deploy/test.sh installs Debian's chromium and chromium-driver.");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions
        {
            // The binary itself: Debian's /usr/bin/chromium is a shell wrapper that reads the user's flag files.
            BinaryLocation = File.Exists("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium",
        };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=412,900",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
            // A fresh profile per run: service workers, IndexedDB and localStorage of an earlier run must not leak in.
            $"--user-data-dir={Path.Combine(Path.GetTempPath(), $"cml-chromium-{Guid.NewGuid():N}")}");
        // The page's console (errors, failed requests) goes into a failed wait's message.
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        Directory.CreateDirectory(ScreenshotFolder);
        return driver;
    }

    /// <summary>Waits for an element the page draws after its API calls.</summary>
    public IWebElement Wait(string css, TimeSpan? within = null) =>
        Await($"waiting for {css}", within, null, d =>
        {
            try
            {
                var el = d.FindElement(By.CssSelector(css));
                return el.Displayed ? el : null;
            }
            catch (NoSuchElementException) { return null; }
            catch (StaleElementReferenceException) { return null; }
        });

    public ReadOnlyCollection<IWebElement> All(string css) => Driver.FindElements(By.CssSelector(css));

    /// <summary>Waits until a condition on the page holds (for text the live hub or the outbox changes).</summary>
    public void Until(Func<bool> condition, string what, TimeSpan? within = null, Func<string>? describe = null) =>
        Await(what, within, describe, _ =>
        {
            try { return condition(); }
            catch (StaleElementReferenceException) { return false; }
            catch (NoSuchElementException) { return false; }
        });

    /// <summary>A wait whose failure says what was awaited and what the page showed instead.</summary>
    private T Await<T>(string what, TimeSpan? within, Func<string>? describe, Func<IWebDriver, T?> condition)
    {
        try
        {
            return new WebDriverWait(Driver, within ?? TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) }.Until(condition)!;
        }
        catch (WebDriverTimeoutException)
        {
            throw new TimeoutException($"{what}{(describe is null ? "" : $" ({describe()})")}: not so on {Driver.Url} after {(within ?? TimeSpan.FromSeconds(30)).TotalSeconds} s; the page shows: {PageText()}; its console: {Console()}");
        }
    }

    public void Fill(string css, string text)
    {
        var input = Wait(css);
        input.Clear();
        input.SendKeys(text);
    }

    /// <summary>Picks an option of a select as a person does, by clicking it.</summary>
    public void Choose(string selectCss, string value) => Wait($"{selectCss} option[value='{value}']").Click();

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    /// <summary>Chromium's own network emulation (DevTools), as a phone losing its signal: the page sees navigator.onLine false.</summary>
    public void Offline(bool offline)
    {
        Driver.ExecuteCdpCommand("Network.enable", new Dictionary<string, object?>());
        Driver.ExecuteCdpCommand("Network.emulateNetworkConditions", new Dictionary<string, object?>
        {
            ["offline"] = offline, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
        });
    }

    /// <summary>
    /// Runs <paramref name="look"/> with the window <paramref name="width"/> pixels wide (a desktop's, or a narrower
    /// phone's), once the page sees that width, then gives the window its size back.
    /// </summary>
    public void AtWidth(int width, Action look)
    {
        var before = Driver.Manage().Window.Size;
        Driver.Manage().Window.Size = new Size(width, before.Height);
        try
        {
            Until(() => Script("return window.innerWidth") is long inner && inner <= width && inner >= width - width / 10, $"the window {width} px wide",
                describe: () => $"innerWidth {Script("return window.innerWidth")}");
            look();
        }
        finally
        {
            Driver.Manage().Window.Size = before;
        }
    }

    /// <summary>
    /// The window shows the whole width of <paramref name="what"/>: nothing makes the page scroll sideways (wide tables
    /// scroll inside their own box). A failure names the elements that stick out furthest.
    /// </summary>
    public void FitsWidth(string what) =>
        Until(() => Script("return document.documentElement.scrollWidth <= window.innerWidth") is true, $"{what} fits the window's width without sideways scrolling",
            describe: () => $"{Script("return document.documentElement.scrollWidth")} px wide in a window of {Script("return window.innerWidth")} px; wider: "
                + Script("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                    + ".sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, 5)"
                    + ".map(e => e.tagName + '.' + e.className + '#' + e.id + ' to ' + Math.round(e.getBoundingClientRect().right) + ' px').join(', ')"));

    public string Screenshot(string name)
    {
        var path = Path.Combine(ScreenshotFolder, $"{name}.png");
        Driver.GetScreenshot().SaveAsFile(path);
        System.Console.WriteLine($"screenshot: {path}");
        return path;
    }

    private string Console()
    {
        try { return string.Join(" | ", Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Level} {e.Message}").TakeLast(15)); }
        catch (Exception ex) { return $"(console unavailable: {ex.Message})"; }
    }

    private string PageText()
    {
        try
        {
            var text = Driver.FindElement(By.TagName("body")).Text.ReplaceLineEndings(" | ");
            return text.Length > 600 ? text[..600] : text;
        }
        catch (Exception ex) { return $"(page text unavailable: {ex.Message})"; }
    }

    /// <summary>Opens an app's page (the canvasser app or the console) and signs in, signing out whoever the browser still holds.</summary>
    public void SignIn(string url, string email, string password)
    {
        Driver.Navigate().GoToUrl(url);
        Until(() => All("#login-form").Count > 0 || All("#sign-out").Count > 0, "the sign-in form or a signed-in page");
        if (All("#login-form").Count == 0)
        {
            Wait("#sign-out").Click();
            Wait("#login-form");
        }
        Fill("#login-email", email);
        Fill("#login-password", password);
        Wait("#login-form button[type=submit]").Click();
    }

    /// <summary>Opens an app's page and signs in as <paramref name="user"/>, signing out whoever the browser still holds.</summary>
    public void SignIn(string url, TestUser user) => SignIn(url, user.Email, user.Password);

    public void Dispose()
    {
        if (!_driver.IsValueCreated) return;
        try { _driver.Value.Quit(); }
        catch (WebDriverException) { }
        _driver.Value.Dispose();
    }
}
