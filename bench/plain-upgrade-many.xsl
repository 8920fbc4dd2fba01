<?xml version="1.0"?>
<!--
  bench/plain-upgrade.xsl over many files in one xsltproc process (xsltproc's
  -o DIRECTORY does not split the output of several inputs).  The input is a
  list, <files out="DIR/"><file href="IN/NAME.xml" name="NAME.xml"/>...</files>;
  each file is read with document() and its upgrade written to DIR/NAME.xml.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">

  <xsl:import href="plain-upgrade.xsl"/>

  <xsl:template match="/files">
    <xsl:variable name="out" select="@out"/>
    <xsl:for-each select="file">
      <exsl:document href="{$out}{@name}">
        <xsl:apply-templates select="document(@href)/node()"/>
      </exsl:document>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>
