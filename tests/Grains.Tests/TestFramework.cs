[assembly: Xunit.TestFramework(ChangemakerLite.TestSupport.ClusterTestFramework.TypeName, ChangemakerLite.TestSupport.ClusterTestFramework.AssemblyName)]
