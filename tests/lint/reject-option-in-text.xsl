<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a rule's text names a command-line option -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <dc:refused rule="r" kind="k" reason="{concat('say which with --assume ', @model, '=x')}"/>
  </xsl:template>
</xsl:stylesheet>
