<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-kinds.rng, the RelaxNG definitions of how each
  form names a PCI controller's kind and implementation, and what the
  controller of each kind may hold:
    legacy-pci-kind    model='KIND'
    explicit-pci-kind  subType='KIND' model='IMPLEMENTATION', where model
                       is required unless the kind is a root bus, and must
                       be one of the kind's implementations.
    libvirt-pci-kind   model='KIND' and, for kinds with implementations, an
                       optional <model name='IMPLEMENTATION'/> child.
  In every form a controller of a kind may have a <target> with exactly
  the attributes and children the data file lists for the kind (libvirt
  accepts an empty <target/> on any), and <pcihole64> where the kind has
  it, and any other child (domain.rng's pci-other-children).  Values compare as exact
  strings, as libvirt and the rules compare them; attribute values have
  the types of libvirt's own schema (basictypes.rng); element text is not
  checked (see element-content).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns="http://relaxng.org/ns/structure/1.0">
  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:comment> Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-rng.xsl; do not edit. </xsl:comment>
    <grammar datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
      <define name="legacy-pci-kind">
        <choice>
          <xsl:apply-templates select="kind" mode="legacy"/>
        </choice>
      </define>
      <define name="explicit-pci-kind">
        <choice>
          <xsl:apply-templates select="kind"/>
        </choice>
      </define>
      <define name="libvirt-pci-kind">
        <choice>
          <xsl:apply-templates select="kind" mode="libvirt"/>
        </choice>
      </define>
      <xsl:apply-templates select="kind" mode="children"/>
      <xsl:call-template name="types"/>
    </grammar>
  </xsl:template>

  <xsl:template match="kind" mode="legacy">
    <group>
      <attribute name="model">
        <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
      </attribute>
      <ref name="pci-children-{@name}"/>
    </group>
  </xsl:template>

  <xsl:template match="kind">
    <group>
      <attribute name="subType">
        <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
      </attribute>
      <xsl:choose>
        <xsl:when test="not(implementation)"/>
        <xsl:when test="@root = 'yes'">
          <optional><xsl:call-template name="model"/></optional>
        </xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="model"/>
        </xsl:otherwise>
      </xsl:choose>
      <ref name="pci-children-{@name}"/>
    </group>
  </xsl:template>

  <xsl:template match="kind" mode="libvirt">
    <group>
      <attribute name="model">
        <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
      </attribute>
      <xsl:choose>
        <xsl:when test="implementation">
          <interleave>
            <optional>
              <element name="model">
                <attribute name="name">
                  <choice>
                    <xsl:for-each select="implementation">
                      <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
                    </xsl:for-each>
                  </choice>
                </attribute>
              </element>
            </optional>
            <ref name="pci-children-{@name}"/>
          </interleave>
        </xsl:when>
        <xsl:otherwise>
          <ref name="pci-children-{@name}"/>
        </xsl:otherwise>
      </xsl:choose>
    </group>
  </xsl:template>

  <xsl:template name="model">
    <attribute name="model">
      <choice>
        <xsl:for-each select="implementation">
          <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
        </xsl:for-each>
      </choice>
    </attribute>
  </xsl:template>

  <!--
    pci-children-KIND: the <target> (and <pcihole64>) a controller of the
    kind may have, among any others (pci-other-children, domain.rng).
  -->
  <xsl:template match="kind" mode="children">
    <define name="pci-children-{@name}">
      <interleave>
        <ref name="pci-other-children"/>
        <optional>
          <element name="target">
            <xsl:for-each select="target">
              <optional>
                <attribute name="{@name}">
                  <xsl:call-template name="type"/>
                </attribute>
              </optional>
            </xsl:for-each>
            <xsl:for-each select="child[starts-with(@name, 'target/')]">
              <optional>
                <element name="{substring-after(@name, 'target/')}">
                  <xsl:call-template name="element-content"/>
                </element>
              </optional>
            </xsl:for-each>
            <xsl:if test="not(target or child[starts-with(@name, 'target/')])">
              <empty/>
            </xsl:if>
          </element>
        </optional>
        <xsl:for-each select="child[not(contains(@name, '/'))]">
          <optional>
            <element name="{@name}">
              <xsl:call-template name="element-content"/>
            </element>
          </optional>
        </xsl:for-each>
      </interleave>
    </define>
  </xsl:template>

  <!--
    An element's attributes have their types; its text is not checked:
    domcompat's parser keeps no text in the tree it validates (src/lib/parse.c),
    and a rule never reads it.
  -->
  <xsl:template name="element-content">
    <xsl:choose>
      <xsl:when test="@type = 'scaled'">
        <optional>
          <attribute name="unit">
            <ref name="pci-type-unit"/>
          </attribute>
        </optional>
        <text/>
      </xsl:when>
      <xsl:when test="@type = 'unsigned-int'">
        <text/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">data/pci-kinds.xml: <xsl:value-of select="../@name"/>'s <xsl:value-of select="@name"/> has no known element type (<xsl:value-of select="@type"/>)</xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="type">
    <xsl:choose>
      <xsl:when test="@type = 'uint8' or @type = 'on-off' or @type = 'unsigned-long'">
        <ref name="pci-type-{@type}"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">data/pci-kinds.xml: <xsl:value-of select="../@name"/>'s <xsl:value-of select="@name"/> has no known type (<xsl:value-of select="@type"/>)</xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!--
    The value types, as libvirt's basictypes.rng defines uint8, virOnOff,
    unsignedLong and unit.  uint8 accepts what libvirt's does, tried in the
    order that costs least: libxml2 2.9 compiles a pattern, and builds a
    parser context for each bound, anew for every value it checks, while
    unsignedByte takes none; it accepts a subset of int from 0 to 255
    (not "+5" or "-0"), which stays the verdict for the rest.
  -->
  <xsl:template name="types">
    <define name="pci-type-uint8">
      <choice>
        <data type="unsignedByte"/>
        <data type="string">
          <param name="pattern">0x[0-9a-fA-F]{1,2}</param>
        </data>
        <data type="int">
          <param name="minInclusive">0</param>
          <param name="maxInclusive">255</param>
        </data>
      </choice>
    </define>
    <define name="pci-type-on-off">
      <choice>
        <value type="string" datatypeLibrary="">on</value>
        <value type="string" datatypeLibrary="">off</value>
      </choice>
    </define>
    <define name="pci-type-unsigned-long">
      <data type="unsignedLong">
        <param name="pattern">[0-9]+</param>
      </data>
    </define>
    <define name="pci-type-unit">
      <data type="string">
        <param name="pattern">([bB]([yY][tT][eE][sS]?)?)|([kKmMgGtTpPeE]([iI]?[bB])?)</param>
      </data>
    </define>
  </xsl:template>
</xsl:stylesheet>
