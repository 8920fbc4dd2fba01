<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-devices.c, the table declared in
  src/tool/devices.h: each kind's -device properties, the PCI IDs of its
  implementations and the versions of its <target> values, for explain.
  Names are plain ASCII words (the Makefile checks), written unescaped.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:text>/* Generated from data/pci-kinds.xml by xslt/gen/pci-devices-c.xsl; do not edit. */&#10;</xsl:text>
    <xsl:text>#include &lt;string.h&gt;&#10;&#10;#include "devices.h"&#10;&#10;</xsl:text>
    <xsl:for-each select="kind">
      <xsl:variable name="n" select="position()"/>
      <xsl:if test="implementation">
        <xsl:text>static const struct device_implementation implementations_</xsl:text>
        <xsl:value-of select="$n"/>
        <xsl:text>[] = {&#10;</xsl:text>
        <xsl:for-each select="implementation">
          <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
          <xsl:text>", "</xsl:text><xsl:value-of select="@since"/><xsl:text>", </xsl:text>
          <xsl:call-template name="string-or-null">
            <xsl:with-param name="value" select="@pci-id"/>
          </xsl:call-template>
          <xsl:text>, </xsl:text>
          <xsl:call-template name="string-or-null">
            <xsl:with-param name="value" select="@bus-behind-bridge"/>
          </xsl:call-template>
          <xsl:text> },&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>};&#10;&#10;</xsl:text>
      </xsl:if>
      <xsl:if test="device-property">
        <xsl:text>static const struct device_property properties_</xsl:text>
        <xsl:value-of select="$n"/>
        <xsl:text>[] = {&#10;</xsl:text>
        <xsl:for-each select="device-property">
          <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
          <xsl:text>", "</xsl:text><xsl:value-of select="@value"/><xsl:text>", </xsl:text>
          <xsl:choose>
            <xsl:when test="not(@type)">DEVICE_STRING</xsl:when>
            <xsl:when test="@type = 'int'">DEVICE_INT</xsl:when>
            <xsl:when test="@type = 'switch'">DEVICE_SWITCH</xsl:when>
            <xsl:when test="@type = 'kib'">DEVICE_KIB</xsl:when>
            <xsl:otherwise>
              <xsl:message terminate="yes">data/pci-kinds.xml: unknown device-property type <xsl:value-of select="@type"/></xsl:message>
            </xsl:otherwise>
          </xsl:choose>
          <xsl:text>, </xsl:text>
          <xsl:choose>
            <xsl:when test="not(@default)">DEVICE_DEFAULT_NONE</xsl:when>
            <xsl:when test="@default = 'index'">DEVICE_DEFAULT_INDEX</xsl:when>
            <xsl:when test="@default = 'slot-function'">DEVICE_DEFAULT_SLOT_FUNCTION</xsl:when>
            <xsl:when test="@default = 'slot'">DEVICE_DEFAULT_SLOT</xsl:when>
            <xsl:when test="@default = 'zero-for-index-0'">DEVICE_DEFAULT_ZERO_FOR_INDEX_0</xsl:when>
            <xsl:otherwise>
              <xsl:message terminate="yes">data/pci-kinds.xml: unknown device-property default <xsl:value-of select="@default"/></xsl:message>
            </xsl:otherwise>
          </xsl:choose>
          <xsl:text>, </xsl:text>
          <xsl:value-of select="substring('false', 1, 5 * not(@keyval = 'hex'))"/>
          <xsl:value-of select="substring('true', 1, 4 * (@keyval = 'hex'))"/>
          <xsl:text> },&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>};&#10;&#10;</xsl:text>
      </xsl:if>
      <xsl:if test="target or child">
        <xsl:text>static const struct device_target targets_</xsl:text>
        <xsl:value-of select="$n"/>
        <xsl:text>[] = {&#10;</xsl:text>
        <xsl:for-each select="target | child">
          <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
          <xsl:text>", "</xsl:text><xsl:value-of select="@since"/><xsl:text>" },&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>};&#10;&#10;</xsl:text>
      </xsl:if>
    </xsl:for-each>
    <xsl:text>const struct device_kind device_kinds[] = {&#10;</xsl:text>
    <xsl:for-each select="kind">
      <xsl:variable name="n" select="position()"/>
      <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
      <xsl:text>", "</xsl:text><xsl:value-of select="@since"/><xsl:text>", </xsl:text>
      <xsl:value-of select="substring('false', 1, 5 * not(@root = 'yes'))"/>
      <xsl:value-of select="substring('true', 1, 4 * (@root = 'yes'))"/>
      <xsl:text>, </xsl:text>
      <xsl:call-template name="string-or-null">
        <xsl:with-param name="value" select="implementation[@implied = 'yes']/@name"/>
      </xsl:call-template>
      <xsl:text>, </xsl:text>
      <xsl:call-template name="string-or-null">
        <xsl:with-param name="value" select="implementation[@implied = 'pseries']/@name"/>
      </xsl:call-template>
      <xsl:text>, </xsl:text>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'implementations_'"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="count" select="count(implementation)"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'properties_'"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="count" select="count(device-property)"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'targets_'"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="count" select="count(target | child)"/>
      </xsl:call-template>
      <xsl:call-template name="string-or-null">
        <xsl:with-param name="value" select="implementation/@may-be-implied-since"/>
      </xsl:call-template>
      <xsl:text> },&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>};&#10;&#10;const size_t device_kind_count = sizeof(device_kinds) / sizeof(device_kinds[0]);&#10;&#10;</xsl:text>
    <xsl:text>const char device_model_name_since[] = "</xsl:text>
    <xsl:value-of select="construct[@name = 'model-name']/@since"/>
    <xsl:text>";&#10;&#10;</xsl:text>
    <xsl:text>const struct device_kind *device_kind_find(const char *name)&#10;{&#10;</xsl:text>
    <xsl:text>    size_t i;&#10;&#10;    for (i = 0; i &lt; device_kind_count; i++)&#10;</xsl:text>
    <xsl:text>        if (strcmp(device_kinds[i].name, name) == 0)&#10;            return &amp;device_kinds[i];&#10;</xsl:text>
    <xsl:text>    return NULL;&#10;}&#10;&#10;</xsl:text>
    <xsl:text>const struct device_implementation *device_implementation_find(const struct device_kind *kind,&#10;</xsl:text>
    <xsl:text>                                                               const char *name)&#10;{&#10;</xsl:text>
    <xsl:text>    size_t i;&#10;&#10;    for (i = 0; i &lt; kind-&gt;implementation_count; i++)&#10;</xsl:text>
    <xsl:text>        if (strcmp(kind-&gt;implementations[i].name, name) == 0)&#10;</xsl:text>
    <xsl:text>            return &amp;kind-&gt;implementations[i];&#10;    return NULL;&#10;}&#10;</xsl:text>
  </xsl:template>

  <xsl:template name="table">
    <xsl:param name="name"/>
    <xsl:param name="n"/>
    <xsl:param name="count"/>
    <xsl:choose>
      <xsl:when test="$count &gt; 0"><xsl:value-of select="concat($name, $n)"/></xsl:when>
      <xsl:otherwise>NULL</xsl:otherwise>
    </xsl:choose>
    <xsl:text>, </xsl:text>
    <xsl:value-of select="$count"/>
    <xsl:text>, </xsl:text>
  </xsl:template>

  <xsl:template name="string-or-null">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="$value">"<xsl:value-of select="$value"/>"</xsl:when>
      <xsl:otherwise>NULL</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
