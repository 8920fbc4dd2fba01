<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-kinds.rng, the RelaxNG definitions of how each
  form names a PCI controller's kind and implementation:
    legacy-pci-kind    model='KIND'
    explicit-pci-kind  subType='KIND' model='IMPLEMENTATION', where model
                       is required unless the kind is a root bus, and must
                       be one of the kind's implementations.
    libvirt-pci-kind   model='KIND' and, for kinds with implementations, an
                       optional <model name='IMPLEMENTATION'/> child.
  Values compare as exact strings, as libvirt and the rules compare them.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns="http://relaxng.org/ns/structure/1.0">
  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:comment> Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-rng.xsl; do not edit. </xsl:comment>
    <grammar>
      <define name="legacy-pci-kind">
        <attribute name="model">
          <choice>
            <xsl:for-each select="kind">
              <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
            </xsl:for-each>
          </choice>
        </attribute>
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
    </grammar>
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
    </group>
  </xsl:template>

  <xsl:template match="kind" mode="libvirt">
    <group>
      <attribute name="model">
        <value type="string" datatypeLibrary=""><xsl:value-of select="@name"/></value>
      </attribute>
      <xsl:if test="implementation">
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
      </xsl:if>
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
</xsl:stylesheet>
