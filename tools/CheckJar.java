import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Checks a built tapegrad jar, as the build's verify phase runs it for every module with code:
 *
 * <pre>
 * java tools/CheckJar.java JAR [MODULE_NAME]     check one jar
 * java tools/CheckJar.java --self-test           show that both checks catch what they look for
 * </pre>
 *
 * <ul>
 *   <li>its manifest has an {@code Automatic-Module-Name} (equal to MODULE_NAME when given);
 *   <li>no public top-level type has the simple name of a {@code java.lang} type of the running
 *       JDK, since {@code import dev.tapegrad.nn.*;} and the implicit {@code java.lang.*} would then
 *       make the name ambiguous in users' code (as {@code Module} once was).
 * </ul>
 *
 * A source-file program (no build of its own), so that every module, including ones added later,
 * gets the check from the parent pom alone. Prints the problems and exits 1 if there are any.
 */
public class CheckJar {
  private static final int ACC_PUBLIC = 0x0001;

  public static void main(String[] args) throws IOException {
    if (args.length == 1 && args[0].equals("--self-test")) {
      selfTest();
      return;
    }
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: java tools/CheckJar.java JAR [MODULE_NAME] | --self-test");
      System.exit(2);
    }
    List<String> problems = check(Path.of(args[0]), args.length == 2 ? args[1] : null);
    for (String p : problems) {
      System.err.println("CheckJar: " + args[0] + ": " + p);
    }
    if (!problems.isEmpty()) {
      System.exit(1);
    }
    System.out.println("CheckJar: " + Path.of(args[0]).getFileName() + ": module name and public type names OK");
  }

  static List<String> check(Path jar, String expectedModuleName) throws IOException {
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(jar)) {
      problems.add("no such jar");
      return problems;
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      String name = manifest == null ? null : manifest.getMainAttributes().getValue("Automatic-Module-Name");
      if (name == null || name.isBlank()) {
        problems.add("the manifest has no Automatic-Module-Name");
      } else if (expectedModuleName != null && !name.equals(expectedModuleName)) {
        problems.add("Automatic-Module-Name is " + name + ", expected " + expectedModuleName);
      }
      int publicTypes = 0;
      for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
        String entry = e.nextElement().getName();
        if (!entry.endsWith(".class") || entry.startsWith("META-INF/") || entry.contains("$")
            || entry.endsWith("module-info.class") || entry.endsWith("package-info.class")) {
          continue;
        }
        boolean isPublic;
        try (InputStream in = file.getInputStream(file.getEntry(entry))) {
          isPublic = (accessFlags(in) & ACC_PUBLIC) != 0;
        }
        if (!isPublic) {
          continue;
        }
        publicTypes++;
        String simple = entry.substring(entry.lastIndexOf('/') + 1, entry.length() - ".class".length());
        if (isJavaLangType(simple)) {
          problems.add(
              "public type " + entry.replace('/', '.').replace(".class", "")
                  + " has the name of java.lang." + simple + "; a wildcard import of its package makes "
                  + simple + " ambiguous");
        }
      }
      System.out.println("CheckJar: " + jar.getFileName() + ": " + publicTypes + " public top-level types");
    }
    return problems;
  }

  private static boolean isJavaLangType(String simpleName) {
    try {
      Class<?> c = Class.forName("java.lang." + simpleName, false, ClassLoader.getPlatformClassLoader());
      return java.lang.reflect.Modifier.isPublic(c.getModifiers());
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Reads a class file up to its access flags, skipping the constant pool. */
  private static int accessFlags(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> in.skipBytes(in.readUnsignedShort()); // Utf8
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
        case 5, 6 -> { // Long, Double: two slots
          in.skipBytes(8);
          i++;
        }
        case 7, 8, 16, 19, 20 -> in.skipBytes(2);
        case 15 -> in.skipBytes(3);
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return in.readUnsignedShort();
  }

  /** Builds jars that must fail (a java.lang name; no module name) and one that must pass. */
  private static void selfTest() throws IOException {
    Path dir = Files.createTempDirectory("checkjar");
    byte[] moduleClass;
    try (InputStream in = Module.class.getResourceAsStream("Module.class")) {
      moduleClass = in.readAllBytes();
    }
    Path clash = writeJar(dir.resolve("clash.jar"), "dev.tapegrad.fake", "dev/tapegrad/fake/Module.class", moduleClass);
    Path unnamed = writeJar(dir.resolve("unnamed.jar"), null, "dev/tapegrad/fake/Block.class", moduleClass);
    Path good = writeJar(dir.resolve("good.jar"), "dev.tapegrad.fake", "dev/tapegrad/fake/Block.class", moduleClass);
    List<String> failures = new ArrayList<>();
    if (check(clash, "dev.tapegrad.fake").stream().noneMatch(p -> p.contains("java.lang.Module"))) {
      failures.add("a public type named Module was not reported");
    }
    if (check(unnamed, null).stream().noneMatch(p -> p.contains("no Automatic-Module-Name"))) {
      failures.add("a jar without Automatic-Module-Name was not reported");
    }
    if (check(good, "dev.tapegrad.other").stream().noneMatch(p -> p.contains("expected dev.tapegrad.other"))) {
      failures.add("a wrong Automatic-Module-Name was not reported");
    }
    if (!check(good, "dev.tapegrad.fake").isEmpty()) {
      failures.add("a good jar was reported: " + check(good, "dev.tapegrad.fake"));
    }
    for (Path p : List.of(clash, unnamed, good)) {
      Files.delete(p);
    }
    Files.delete(dir);
    if (!failures.isEmpty()) {
      failures.forEach(f -> System.err.println("CheckJar self-test: " + f));
      System.exit(1);
    }
    System.out.println("CheckJar self-test: 4 passed, 0 failed");
  }

  private static Path writeJar(Path jar, String moduleName, String entry, byte[] bytes) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (moduleName != null) {
      manifest.getMainAttributes().putValue("Automatic-Module-Name", moduleName);
    }
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.putNextEntry(new JarEntry(entry));
      jarOut.write(bytes);
      jarOut.closeEntry();
    }
    return jar;
  }
}
