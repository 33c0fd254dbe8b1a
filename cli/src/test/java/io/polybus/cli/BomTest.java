package io.polybus.cli;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code polybus-bom} names every module of the build at the build's version, and the README shows how to use it. */
class BomTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theBomManagesEveryModuleAtTheProjectVersion() throws Exception {
        Document parent = read(ROOT.resolve("pom.xml"));
        Document bom = read(ROOT.resolve("bom/pom.xml"));
        String version = child(parent.getDocumentElement(), "version");
        assertEquals(version, child(bom.getDocumentElement(), "version"), "the BOM's version is the build's");

        TreeSet<String> modules = new TreeSet<>();
        for (Element m : elements(parent.getDocumentElement(), "module")) {
            Document pom = read(ROOT.resolve(m.getTextContent()).resolve("pom.xml"));
            String packaging = child(pom.getDocumentElement(), "packaging");
            if (packaging == null || packaging.equals("jar")) {
                modules.add(child(pom.getDocumentElement(), "artifactId"));
            }
        }
        TreeSet<String> managed = new TreeSet<>();
        for (Element d : elements(bom.getDocumentElement(), "dependency")) {
            assertEquals("io.polybus", child(d, "groupId"));
            assertEquals("${project.version}", child(d, "version"));
            managed.add(child(d, "artifactId"));
        }
        assertEquals(modules, managed, "bom/pom.xml lists every module of the build");
    }

    @Test
    void theReadmeShowsTheBomForMavenAndGradle() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String version = child(read(ROOT.resolve("pom.xml")).getDocumentElement(), "version");
        assertTrue(readme.contains("<artifactId>polybus-bom</artifactId>\n      <version>" + version + "</version>"), "Maven");
        assertTrue(readme.contains("platform(\"io.polybus:polybus-bom:" + version + "\")"), "Gradle");
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** The text of the direct child {@code name} of {@code e}, or null. */
    private static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c.getTextContent().trim();
            }
        }
        return null;
    }

    private static List<Element> elements(Element root, String name) {
        NodeList list = root.getElementsByTagName(name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }
}
